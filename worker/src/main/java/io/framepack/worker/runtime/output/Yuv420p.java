package io.framepack.worker.runtime.output;

/**
 * 8-bit RGB to the planar YUV 4:2:0 that H.264 encodes (BT.601, limited range, chroma the mean of
 * each 2×2 block), in integer arithmetic. Done here rather than by FFmpeg's scaler because the
 * scaler picks SIMD code by CPU and its results differ between feature levels: the same frames
 * must give the same video on every node.
 */
public final class Yuv420p {
    private static final int SHIFT = 15;
    private static final double KR = 0.299;
    private static final double KB = 0.114;
    private static final double KG = 1 - KR - KB;
    /** Limited range: luma spans 219 codes from 16, chroma 224 codes around 128. */
    private static final double LUMA_SCALE = 219.0 / 255;
    private static final double CHROMA_SCALE = 224.0 / 255;

    private static final int Y_R = fixed(KR * LUMA_SCALE);
    private static final int Y_G = fixed(KG * LUMA_SCALE);
    private static final int Y_B = fixed(KB * LUMA_SCALE);
    private static final int U_R = fixed(-KR / (2 * (1 - KB)) * CHROMA_SCALE);
    private static final int U_G = fixed(-KG / (2 * (1 - KB)) * CHROMA_SCALE);
    private static final int U_B = fixed(0.5 * CHROMA_SCALE);
    private static final int V_R = fixed(0.5 * CHROMA_SCALE);
    private static final int V_G = fixed(-KG / (2 * (1 - KR)) * CHROMA_SCALE);
    private static final int V_B = fixed(-KB / (2 * (1 - KR)) * CHROMA_SCALE);

    private Yuv420p() {
    }

    /** Bytes of one frame: the Y plane, then U and V at half width and height. */
    public static int frameBytes(int width, int height) {
        return width * height * 3 / 2;
    }

    /**
     * Converts interleaved RGB ({@code H*W*3}, rows packed) into {@code yuv}, which must hold
     * {@link #frameBytes} bytes. Width and height must be even.
     */
    public static void fromRgb(byte[] rgb, int width, int height, byte[] yuv) {
        requireEvenSize(width, height);
        for (int i = 0, n = width * height; i < n; i++) {
            int r = rgb[3 * i] & 0xFF;
            int g = rgb[3 * i + 1] & 0xFF;
            int b = rgb[3 * i + 2] & 0xFF;
            yuv[i] = (byte) round(Y_R * r + Y_G * g + Y_B * b, SHIFT, 16);
        }
        int chromaWidth = width / 2;
        int uPlane = width * height;
        int vPlane = uPlane + chromaWidth * (height / 2);
        for (int cy = 0; cy < height / 2; cy++) {
            for (int cx = 0; cx < chromaWidth; cx++) {
                int r = 0;
                int g = 0;
                int b = 0;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        int at = 3 * ((2 * cy + dy) * width + 2 * cx + dx);
                        r += rgb[at] & 0xFF;
                        g += rgb[at + 1] & 0xFF;
                        b += rgb[at + 2] & 0xFF;
                    }
                }
                // Sums of four pixels: two more bits of shift give their mean.
                int chroma = cy * chromaWidth + cx;
                yuv[uPlane + chroma] = (byte) round(U_R * r + U_G * g + U_B * b, SHIFT + 2, 128);
                yuv[vPlane + chroma] = (byte) round(V_R * r + V_G * g + V_B * b, SHIFT + 2, 128);
            }
        }
    }

    /** 4:2:0 subsamples chroma by two both ways. */
    public static void requireEvenSize(int width, int height) {
        if (width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("yuv420p needs even frame sizes, got " + width + "x" + height);
        }
    }

    private static int fixed(double coefficient) {
        return (int) Math.round(coefficient * (1 << SHIFT));
    }

    /** {@code offset + sum / 2^shift}, rounded half up; the coefficients keep it within 0..255. */
    private static int round(int sum, int shift, int offset) {
        return (sum + (offset << shift) + (1 << (shift - 1))) >> shift;
    }
}
