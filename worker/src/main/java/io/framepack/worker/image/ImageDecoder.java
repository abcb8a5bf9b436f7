package io.framepack.worker.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

import static io.framepack.worker.image.ImageInputException.Reason;

/**
 * Decodes a user's start image (PNG, JPEG or WebP) into the RGB array the official code gets from
 * Gradio: EXIF orientation applied, then Pillow's {@code convert('RGB')} — alpha dropped (not
 * composited), grey replicated, palette looked up, 16-bit samples cut to their high byte, CMYK and
 * YCCK JPEGs converted as Pillow converts them ({@link CmykJpeg}), no ICC conversion. Empty, foreign, damaged or truncated files (reader warnings count as damage, as
 * Pillow refuses truncated files) and images above the pixel budget, read from the header before
 * any pixel is decoded, are refused with an {@link ImageInputException}.
 */
public final class ImageDecoder {
    /** Pillow's decompression-bomb threshold ({@code Image.MAX_IMAGE_PIXELS}). */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;
    /** Files above this are refused before being read into memory. */
    public static final long MAX_FILE_BYTES = 256L << 20;

    /** The containers accepted. */
    public enum Format {
        PNG, JPEG, WEBP
    }

    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("pixel budget must be positive");
        }
        this.maxPixels = maxPixels;
    }

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public RgbImage decode(Path file) throws ImageInputException, IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new ImageInputException(Reason.TOO_LARGE, file + " is " + size + " bytes; the limit is "
                    + MAX_FILE_BYTES);
        }
        return decode(Files.readAllBytes(file), file.toString());
    }

    /** @param name how the input is called in error messages */
    public RgbImage decode(byte[] bytes, String name) throws ImageInputException {
        if (bytes.length == 0) {
            throw new ImageInputException(Reason.EMPTY, name + " is empty");
        }
        Format format = sniff(bytes, name);
        return ExifOrientation.apply(read(bytes, format, name), ExifOrientation.read(bytes, format));
    }

    /** The container from the file's magic bytes; other images and non-images are refused by name. */
    static Format sniff(byte[] b, String name) throws ImageInputException {
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && ascii(b, 1, 3).equals("PNG")) {
            return Format.PNG;
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return Format.JPEG;
        }
        if (b.length >= 12 && ascii(b, 0, 4).equals("RIFF") && ascii(b, 8, 4).equals("WEBP")) {
            return Format.WEBP;
        }
        String other = b.length >= 4 && ascii(b, 0, 3).equals("GIF") ? "GIF"
                : b.length >= 2 && ascii(b, 0, 2).equals("BM") ? "BMP"
                : b.length >= 4 && (ascii(b, 0, 4).equals("II*\0") || ascii(b, 0, 4).equals("MM\0*")) ? "TIFF"
                : null;
        if (other != null) {
            throw new ImageInputException(Reason.UNSUPPORTED_FORMAT, name + " is a " + other
                    + " image; use PNG, JPEG or WebP");
        }
        throw new ImageInputException(Reason.NOT_AN_IMAGE, name + " is not a PNG, JPEG or WebP image");
    }

    private RgbImage read(byte[] bytes, Format format, String name) throws ImageInputException {
        try (ImageInputStream stream = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(format, name);
            try {
                reader.setInput(stream, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new ImageInputException(Reason.CORRUPT, name + " declares a " + width + "x" + height
                            + " image");
                }
                if (width * height > maxPixels) {
                    throw new ImageInputException(Reason.TOO_LARGE, name + " is " + width + "x" + height + " = "
                            + width * height + " pixels; the limit is " + maxPixels
                            + " (decompression-bomb guard)");
                }
                StringBuilder warnings = new StringBuilder();
                reader.addIIOReadWarningListener(warningCollector(warnings));
                // The JDK's own CMYK conversion differs from Pillow's, and it refuses some (with a profile).
                RgbImage image = format == Format.JPEG && CmykJpeg.isFourComponent(reader) ? CmykJpeg.toRgb(reader)
                        : toRgb(reader.read(0));
                if (warnings.length() > 0) {
                    throw new ImageInputException(Reason.CORRUPT, name + " is damaged or truncated:" + warnings);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Readers signal bad data with IIOException, EOFException and, for some damage,
            // unchecked exceptions (array bounds, illegal state); all mean the same to a user.
            throw new ImageInputException(Reason.CORRUPT, name + " is not a readable " + format + " image: "
                    + e.getMessage(), e);
        }
    }

    private static IIOReadWarningListener warningCollector(StringBuilder warnings) {
        return (source, warning) -> warnings.append(' ').append(warning);
    }

    private static ImageReader readerFor(Format format, String name)
            throws ImageInputException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name().toLowerCase(Locale.ROOT));
        if (!readers.hasNext()) {
            throw new ImageInputException(Reason.UNSUPPORTED_FORMAT, "no " + format + " reader is installed for "
                    + name);
        }
        return readers.next();
    }

    /** Pillow's {@code convert('RGB')} on the decoded samples. */
    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        ColorModel model = image.getColorModel();
        int spaceType = model.getColorSpace().getType();
        Raster raster = image.getRaster();
        boolean rawSamples = !(model instanceof IndexColorModel)
                && (spaceType == ColorSpace.TYPE_RGB || spaceType == ColorSpace.TYPE_GRAY);
        if (!rawSamples) {
            // Palette images: the colour model's own conversion to RGB.
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = image.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
            return new RgbImage(w, h, out);
        }
        // Stored samples, not colour-managed: Pillow ignores ICC profiles and gamma here too.
        boolean grey = spaceType == ColorSpace.TYPE_GRAY;
        int[] bits = model.getComponentSize();
        int[] pixel = new int[raster.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, pixel);
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int band = grey ? 0 : c;
                    out[o + c] = (byte) to8Bit(pixel[band], bits[band]);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int to8Bit(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        if (bits > 8) {
            return sample >>> (bits - 8);
        }
        return Math.round(sample * 255f / ((1 << bits) - 1));
    }

    private static String ascii(byte[] b, int offset, int length) {
        return new String(b, offset, length, StandardCharsets.ISO_8859_1);
    }
}
