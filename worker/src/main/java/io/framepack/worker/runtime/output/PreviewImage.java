package io.framepack.worker.runtime.output;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The latent preview of a section as a PNG, laid out as the official demo shows it: the latent
 * frames side by side ({@code (b h) (t w) c}), values {@code x * 255} clipped to [0, 255] and
 * truncated to uint8.
 */
public final class PreviewImage {
    private PreviewImage() {
    }

    /** @param preview the cheap latent-to-RGB map {@code [1,3,T,h,w]} in [0, 1] */
    public static byte[] png(NDArray preview) throws IOException {
        if (preview.getShape().dimension() != 5 || preview.getShape().get(1) != 3) {
            throw new IllegalArgumentException("expected a preview [1,3,T,h,w], got " + preview.getShape());
        }
        int frames = (int) preview.getShape().get(2);
        int height = (int) preview.getShape().get(3);
        int width = (int) preview.getShape().get(4);
        float[] values;
        try (NDArray widened = preview.toType(DataType.FLOAT32, true)) {
            values = widened.toFloatArray();
        }
        BufferedImage image = new BufferedImage(frames * width, height, BufferedImage.TYPE_INT_RGB);
        int plane = frames * height * width;
        for (int t = 0; t < frames; t++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int at = (t * height + y) * width + x;
                    int rgb = channel(values[at]) << 16 | channel(values[plane + at]) << 8 | channel(values[2 * plane + at]);
                    image.setRGB(t * width + x, y, rgb);
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    private static int channel(float value) {
        return (int) Math.min(Math.max(value * 255f, 0f), 255f);
    }
}
