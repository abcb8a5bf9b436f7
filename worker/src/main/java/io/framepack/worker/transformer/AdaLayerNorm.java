package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.nn.Norms;

/**
 * Adaptive LayerNorm: per-block shift/scale/gate vectors projected from {@code SiLU(c)}, and
 * {@code LN(x)·(1 + scale) + shift} with a LayerNorm that has no affine of its own.
 */
final class AdaLayerNorm {
    private static final float EPS = 1e-6f;

    private AdaLayerNorm() {
    }

    /** {@code linear(SiLU(c))} cut into {@code parts} vectors of {@code [B, 1, d]}, in the checkpoint's order. */
    static NDList modulation(Linear linear, NDArray conditioning, int parts, Numerics numerics) {
        return linear.forward(Mlp.activate(Mlp.Activation.SILU, conditioning, numerics))
                .expandDims(1).split(parts, 2);
    }

    /** {@code LN(x)·(1 + scale) + shift}. */
    static NDArray modulate(NDArray x, NDArray shift, NDArray scale) {
        return norm(x).mul(scale.add(1f)).add(shift);
    }

    /** LayerNorm over the channels without affine (eps 1e-6), as in every AdaLN and {@code norm2}. */
    static NDArray norm(NDArray x) {
        return Norms.layerNorm(x, null, null, EPS);
    }
}
