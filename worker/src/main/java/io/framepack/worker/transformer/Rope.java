package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scratch;

/**
 * HunyuanVideo's 3-axis rotary position embedding ({@code HunyuanVideoRotaryPosEmbed}), in float32.
 * Head channels are split into a time, a row and a column band ({@code rope_axes_dim}); within a
 * band the angle of pair {@code k} is {@code p / θ^(2k/D)} for the token's position {@code p} on
 * that axis. A table row holds {@code [cos_t | cos_y | cos_x | sin_t | sin_y | sin_x]}, each
 * frequency repeated for both channels of its pair.
 */
final class Rope {
    private final float theta;
    private final int[] axesDim;

    Rope(double theta, int[] axesDim) {
        this.theta = (float) theta;
        this.axesDim = axesDim.clone();
    }

    /** Table tokens {@code [1, n·h·w, 2·headDim]} for frames at {@code frameIndices} on an {@code h × w} grid. */
    NDArray tokens(NDArray frameIndices, long height, long width, NDManager manager) {
        return Grid3d.toTokens(grid(frameIndices, height, width, manager));
    }

    /**
     * The table of a context compressed {@code k}× in every axis: the full-resolution table,
     * replicate-padded at the far end to multiples of {@code k} and average-pooled per channel,
     * so a compressed token sees the mean rotation of the positions it covers.
     */
    NDArray pooledTokens(NDArray frameIndices, long height, long width, long k, NDManager manager) {
        NDArray full = grid(frameIndices, height, width, manager);
        return Grid3d.toTokens(Grid3d.averagePool(Grid3d.padEndToMultiple(full, k, k, k), k));
    }

    /** The table as a grid {@code [1, 2·headDim, n, h, w]} (channels first, like a video). */
    private NDArray grid(NDArray frameIndices, long height, long width, NDManager manager) {
        if (frameIndices.getShape().dimension() != 2 || frameIndices.getShape().get(0) != 1) {
            throw new IllegalArgumentException("frame indices must be [1, n], got " + frameIndices.getShape());
        }
        NDArray frames = frameIndices.toDevice(manager.getDevice(), false).get(0).toType(DataType.FLOAT32, false);
        long count = frames.getShape().get(0);
        Shape gridShape = new Shape(count, height, width);
        NDArray[] t = bandAngles(axesDim[0], frames, manager);
        NDArray[] y = bandAngles(axesDim[1], manager.arange(0, (int) height, 1, DataType.FLOAT32), manager);
        NDArray[] x = bandAngles(axesDim[2], manager.arange(0, (int) width, 1, DataType.FLOAT32), manager);
        NDList bands = new NDList(
                spread(t[0], 0, gridShape), spread(y[0], 1, gridShape), spread(x[0], 2, gridShape),
                spread(t[1], 0, gridShape), spread(y[1], 1, gridShape), spread(x[1], 2, gridShape));
        return NDArrays.concat(bands, 0).expandDims(0);
    }

    /** {cos, sin} of one band, {@code [D, positions]} with each frequency on two consecutive rows. */
    private NDArray[] bandAngles(int dim, NDArray positions, NDManager manager) {
        NDArray exponents = manager.arange(0, dim, 2, DataType.FLOAT32).div(dim);
        NDArray omega = manager.ones(new Shape(dim / 2)).div(manager.create(theta).pow(exponents));
        NDArray angles = omega.expandDims(1).mul(positions.expandDims(0));
        NDArray pairs = angles.expandDims(1).concat(angles.expandDims(1), 1).reshape(dim, -1);
        return new NDArray[] {pairs.cos(), pairs.sin()};
    }

    /** A band {@code [D, positions]} along grid axis {@code axis}, broadcast to {@code [D, n, h, w]}. */
    private static NDArray spread(NDArray band, int axis, Shape gridShape) {
        long[] shape = {band.getShape().get(0), 1, 1, 1};
        shape[axis + 1] = band.getShape().get(1);
        return band.reshape(shape).broadcast(new Shape(band.getShape().get(0), gridShape.get(0),
                gridShape.get(1), gridShape.get(2)));
    }

    /**
     * Rotates the image tokens of per-head queries or keys {@code [B, N + M, H, d]}, the first
     * {@code N} (the table's rows); the {@code M} context tokens that may follow keep no position.
     * Frees {@code x}.
     */
    static NDArray rotateImageTokens(NDArray x, NDArray table, Numerics numerics) {
        long imageTokens = table.getShape().get(1);
        NDArray rotated = x.getShape().get(1) == imageTokens ? apply(x, table, numerics) : Scratch.keep(() -> {
            NDList parts = x.split(new long[] {imageTokens}, 1);
            return apply(parts.get(0), table, numerics).concat(parts.get(1), 1);
        }, x);
        x.close();
        return rotated;
    }

    /**
     * Rotates query or key heads {@code [B, N, H, d]} by a table {@code [1, N, 2d]}: channel pairs
     * {@code (a, b) → (a·cos − b·sin, b·cos + a·sin)}, computed in float32 and rounded back.
     */
    private static NDArray apply(NDArray x, NDArray table, Numerics numerics) {
        Shape shape = x.getShape();
        long d = shape.get(3);
        NDArray cos = table.get(new NDIndex(":, :, :{}", d)).expandDims(2);
        NDArray sin = table.get(new NDIndex(":, :, {}:", d)).expandDims(2);
        // In place on fresh float32 copies: one 4-byte temporary of x at a time, not two.
        NDArray wide = numerics.toFloat32(x);
        NDArray cosTerm = wide == x ? x.mul(cos) : wide.muli(cos);
        NDArray sinTerm = Scratch.keep(() -> numerics.toFloat32(rotatePairs(x)).muli(sin), x);
        cosTerm.addi(sinTerm);
        sinTerm.close();
        return numerics.roundReplacing(cosTerm);
    }

    /** {@code (a, b) → (−b, a)} for each channel pair {@code (2k, 2k+1)}. */
    private static NDArray rotatePairs(NDArray x) {
        Shape shape = x.getShape();
        NDArray pairs = x.reshape(shape.get(0), shape.get(1), shape.get(2), shape.get(3) / 2, 2);
        NDArray real = pairs.get(new NDIndex("..., 0"));
        NDArray imag = pairs.get(new NDIndex("..., 1"));
        return imag.neg().stack(real, 4).reshape(shape);
    }
}
