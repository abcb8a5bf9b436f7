package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/** Operations on {@code [B, C, T, H, W]} grids that the official code takes from torch and DJL lacks. */
final class Grid3d {
    private static final int FIRST_GRID_AXIS = 2;

    private Grid3d() {
    }

    /**
     * Pads the end of T, H and W to the next multiple of {@code kernel[i]} by repeating the last
     * slice ({@code pad_for_3d_conv}: {@code F.pad(..., mode="replicate")} on the far side only).
     */
    static NDArray padEndToMultiple(NDArray x, long... kernel) {
        NDArray padded = x;
        for (int i = 0; i < 3; i++) {
            int axis = FIRST_GRID_AXIS + i;
            long size = padded.getShape().get(axis);
            long missing = (kernel[i] - size % kernel[i]) % kernel[i];
            if (missing > 0) {
                NDArray last = padded.get(new NDIndex().addAllDim(axis).addSliceDim(size - 1, size));
                padded = padded.concat(last.repeat(axis, missing), axis);
            }
        }
        return padded;
    }

    /** Average pooling with kernel = stride = {@code k} on all three grid axes ({@code avg_pool3d}). */
    static NDArray averagePool(NDArray x, long k) {
        Shape window = new Shape(k, k, k);
        return Pool.avgPool3d(x, window, window, new Shape(0, 0, 0), false, true);
    }

    /** {@code [B, C, T, H, W]} → tokens {@code [B, T·H·W, C]} in t-major, then y, then x order. */
    static NDArray toTokens(NDArray grid) {
        Shape shape = grid.getShape();
        return grid.reshape(shape.get(0), shape.get(1), -1).transpose(0, 2, 1);
    }
}
