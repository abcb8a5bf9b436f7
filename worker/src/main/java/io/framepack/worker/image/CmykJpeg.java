package io.framepack.worker.image;

import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import java.awt.image.Raster;
import java.io.IOException;

/**
 * Four-component (CMYK and YCCK) JPEGs as Pillow reads them and {@code convert('RGB')} turns them
 * into RGB, from the decoded samples: YCCK to CMYK as libjpeg does it (an Adobe transform other
 * than 0 means YCCK, no Adobe marker means CMYK), the samples inverted (Pillow always assumes
 * Adobe's inverted storage), then {@code rgb = (255 - k) - ink * (255 - k) / 255} rounded as
 * Pillow rounds. Embedded colour profiles are ignored, as Pillow's conversion ignores them.
 */
final class CmykJpeg {
    private static final String NATIVE_FORMAT = "javax_imageio_jpeg_image_1.0";
    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        // libjpeg's YCbCr tables (jdcolor.c), integer arithmetic for the exact same samples.
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private CmykJpeg() {
    }

    /** Whether the reader's current image has four components, and so is read by {@link #toRgb}. */
    static boolean isFourComponent(ImageReader reader) throws IOException {
        Node sof = find(tree(reader), "sof");
        return sof != null && "4".equals(attribute(sof, "numFrameComponents"));
    }

    /** Reads the current image's samples and converts them to RGB. */
    static RgbImage toRgb(ImageReader reader) throws IOException {
        Node adobe = find(tree(reader), "app14Adobe");
        boolean ycck = adobe != null && !"0".equals(attribute(adobe, "transform"));
        return toRgb(reader.readRaster(0, null), ycck);
    }

    static RgbImage toRgb(Raster raster, boolean ycck) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] pixel = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(raster.getMinX() + x, raster.getMinY() + y, pixel);
                if (ycck) {
                    toCmyk(pixel);
                }
                // Stored samples are 255 - ink: the stored K is Pillow's 255 - k.
                int notBlack = pixel[3];
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    out[o + c] = (byte) clip(notBlack - mulDiv255(255 - pixel[c], notBlack));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** libjpeg's ycck_cmyk_convert, in place; K passes unchanged. */
    private static void toCmyk(int[] pixel) {
        int luma = pixel[0];
        int cb = pixel[1];
        int cr = pixel[2];
        pixel[0] = clip(255 - (luma + CR_R[cr]));
        pixel[1] = clip(255 - (luma + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS)));
        pixel[2] = clip(255 - (luma + CB_B[cb]));
    }

    /** Pillow's MULDIV255: a * b / 255, rounded its way. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static int fix(double x) {
        return (int) (x * (1 << SCALE_BITS) + 0.5);
    }

    private static Node tree(ImageReader reader) throws IOException {
        IIOMetadata metadata = reader.getImageMetadata(0);
        return metadata == null ? null : metadata.getAsTree(NATIVE_FORMAT);
    }

    private static Node find(Node node, String name) {
        if (node == null) {
            return null;
        }
        if (name.equals(node.getNodeName())) {
            return node;
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            Node found = find(child, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String attribute(Node node, String name) {
        NamedNodeMap attributes = node.getAttributes();
        Node value = attributes == null ? null : attributes.getNamedItem(name);
        return value == null ? null : value.getNodeValue();
    }
}
