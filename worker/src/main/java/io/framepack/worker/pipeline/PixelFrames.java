package io.framepack.worker.pipeline;

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

    /** The decoded video as 8-bit frames, each converted when it is read. */
    public static VideoFrames of(NDArray pixels) {
        checkShape(pixels);
        return new VideoFrames() {
            @Override
            public int frameCount() {
                return PixelFrames.frameCount(pixels);
            }

            @Override
            public int height() {
                return PixelFrames.height(pixels);
            }

            @Override
            public int width() {
                return PixelFrames.width(pixels);
            }

            @Override
            public byte[] rgb(int f) {
                return frame(pixels, f);
            }
        };
    }

    /** Frame {@code f} as interleaved RGB bytes, row-major ({@code H*W*3}). */
    public static byte[] frame(NDArray pixels, int f) {
        return interleaved(planarFrame(pixels, f));
    }

    /** Frame {@code f} converted, as three planes of {@code H*W} bytes (R, G, B). */
    static byte[] planarFrame(NDArray pixels, int f) {
        checkShape(pixels);
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
        byte[] converted = new byte[planes.length];
        for (int i = 0; i < planes.length; i++) {
            converted[i] = toUint8(planes[i]);
        }
        return converted;
    }

    /** Three planes of bytes (R, G, B) as interleaved RGB. */
    static byte[] interleaved(byte[] planar) {
        int plane = planar.length / 3;
        byte[] rgb = new byte[planar.length];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = planar[c * plane + i];
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
