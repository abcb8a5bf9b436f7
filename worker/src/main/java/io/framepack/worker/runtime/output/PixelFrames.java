package io.framepack.worker.runtime.output;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Decoded video {@code [1,3,F,H,W]} to 8-bit RGB frames exactly as the official
 * {@code save_bcthw_as_mp4}: float32 {@code clamp(x, -1, 1) * 127.5 + 127.5}, each operation
 * rounded to float32 (Java does not fuse them), then truncated to uint8, not rounded.
 */
public final class PixelFrames {
    private PixelFrames() {
    }

    public static int frameCount(NDArray pixels) {
        checkShape(pixels);
        return (int) pixels.getShape().get(2);
    }

    public static int height(NDArray pixels) {
        return (int) pixels.getShape().get(3);
    }

    public static int width(NDArray pixels) {
        return (int) pixels.getShape().get(4);
    }

    /** Frame {@code f} as interleaved RGB bytes, row-major ({@code H*W*3}). */
    public static byte[] frame(NDArray pixels, int f) {
        checkShape(pixels);
        int height = height(pixels);
        int width = width(pixels);
        float[] planes;
        try (NDArray slice = pixels.get(new NDIndex("0, :, {}", f))) {
            if (slice.getDataType() == DataType.FLOAT32) {
                planes = slice.toFloatArray();
            } else {
                try (NDArray widened = slice.toType(DataType.FLOAT32, false)) {
                    planes = widened.toFloatArray();
                }
            }
        }
        int plane = height * width;
        byte[] rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = toUint8(planes[c * plane + i]);
            }
        }
        return rgb;
    }

    /** One value: {@code (uint8) (clamp(x, -1, 1) * 127.5f + 127.5f)}. */
    public static byte toUint8(float x) {
        float clamped = Math.min(Math.max(x, -1f), 1f);
        float scaled = clamped * 127.5f;
        return (byte) (int) (scaled + 127.5f);
    }

    private static void checkShape(NDArray pixels) {
        if (pixels.getShape().dimension() != 5 || pixels.getShape().get(0) != 1 || pixels.getShape().get(1) != 3) {
            throw new IllegalArgumentException("expected video pixels [1,3,F,H,W], got " + pixels.getShape());
        }
    }
}
