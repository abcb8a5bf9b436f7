package io.framepack.worker.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Conversions between golden uint8 {@code [H, W, 3]} tensors and {@link RgbImage}. */
final class GoldenImages {
    private GoldenImages() {
    }

    static RgbImage rgb(NDArray hwc) {
        long[] shape = hwc.getShape().getShape();
        byte[] bytes = hwc.toType(DataType.UINT8, false).toByteArray();
        return new RgbImage((int) shape[1], (int) shape[0], bytes);
    }

    static int maxAbsDifference(RgbImage a, RgbImage b) {
        int max = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            max = Math.max(max, Math.abs((a.pixels()[i] & 0xFF) - (b.pixels()[i] & 0xFF)));
        }
        return max;
    }
}
