package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.nn.Norms;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scalars;

/**
 * Adaptive LayerNorm: per-block shift/scale/gate vectors projected from {@code SiLU(c)}, and
 * {@code LN(x)·(1 + scale) + shift} with a LayerNorm that has no affine of its own. One instance
 * serves every block of a model.
 */
final class AdaLayerNorm {
    private static final float EPS = 1e-6f;

    /** The identity affine in compute precision: libtorch's layer norm wants one, DJL cannot make bfloat16. */
    private final NDArray ones;
    private final NDArray zeros;
    private final Numerics numerics;

    AdaLayerNorm(long dim, Numerics numerics, NDManager manager) {
        this.ones = numerics.round(manager.ones(new Shape(dim)));
        this.zeros = numerics.round(manager.zeros(new Shape(dim)));
        this.numerics = numerics;
    }

    /** {@code linear(SiLU(c))} cut into {@code parts} vectors of {@code [B, 1, d]}, in the checkpoint's order. */
    NDList modulation(Linear linear, NDArray conditioning, int parts) {
        return linear.forward(Mlp.activate(Mlp.Activation.SILU, conditioning, numerics))
                .expandDims(1).split(parts, 2);
    }

    /** {@code LN(x)·(1 + scale) + shift}, in place on the fresh LayerNorm output (one activation-sized array). */
    NDArray modulate(NDArray x, NDArray shift, NDArray scale) {
        return norm(x).muli(scale.add(Scalars.of(1f))).addi(shift);
    }

    /** LayerNorm over the channels without affine (eps 1e-6), as in every AdaLN and {@code norm2}. */
    NDArray norm(NDArray x) {
        return Norms.layerNorm(x, ones, zeros, EPS);
    }
}
