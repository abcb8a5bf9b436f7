package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.Norms;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scratch;

/** Multi-head plumbing shared by the refiner, dual-stream and single-stream attention. */
final class Heads {
    /** RMSNorm epsilon of the per-head query/key norms. */
    private static final float QK_NORM_EPS = 1e-6f;

    private Heads() {
    }

    /**
     * {@code [B, N, H·d]} → {@code [B, N, H, d]}: the NHD layout the per-head norm, RoPE and the
     * stream concatenation work in (a head-first split is {@link EncoderOps#splitHeads}).
     */
    static NDArray split(NDArray x, int heads) {
        Shape shape = x.getShape();
        return x.reshape(shape.get(0), shape.get(1), heads, shape.get(2) / heads);
    }

    /** Per-head RMSNorm with a learnt weight {@code [d]} (statistics in float32, rounded before the weight). */
    static NDArray rmsNorm(NDArray x, NDArray weight, Numerics numerics) {
        return Scratch.keep(() -> Norms.rmsNorm(x, weight, QK_NORM_EPS, numerics::round), x);
    }

    /**
     * Scaled dot-product attention over heads laid out {@code [B, N, H, d]} (the official NHD
     * layout), through the kernel pack so long sequences never materialise their score matrix;
     * returns {@code [B, Nq, H·d]}.
     */
    static NDArray attend(Kernels kernels, NDArray q, NDArray k, NDArray v, NDArray mask) {
        return EncoderOps.mergeHeads(
                kernels.attention(q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3), mask));
    }
}
