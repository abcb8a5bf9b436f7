package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;

import java.util.function.UnaryOperator;

/**
 * The one place where the transformer chooses dtypes. The official model computes in bfloat16 and
 * rounds explicitly at a few points (inputs, RoPE output, RMSNorm, fused activations); with
 * {@link Precision#FLOAT32} every such point is a no-op, so the same block code serves the
 * float32 CPU path (golden parity) and the bfloat16 GPU path.
 */
public final class Numerics {
    private final Precision precision;
    private final Kernels kernels;

    public Numerics(Precision precision, Kernels kernels) {
        if (precision == Precision.BFLOAT16 && !kernels.supportsBfloat16()) {
            throw new IllegalArgumentException("bfloat16 compute needs the TorchScript kernel pack");
        }
        this.precision = precision;
        this.kernels = kernels;
    }

    public Precision precision() {
        return precision;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** {@code x} rounded to the compute dtype ({@code x.to(transformer.dtype)} in the reference). */
    public NDArray round(NDArray x) {
        if (precision == Precision.BFLOAT16) {
            return kernels.toBfloat16(x);
        }
        return toFloat32(x);
    }

    /** {@code x} as float32 (bfloat16 arrays report dtype UNKNOWN to DJL but convert fine). */
    public NDArray toFloat32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }

    /**
     * {@code op} evaluated in float32 and rounded once: how PyTorch runs a fused op (SiLU, GELU)
     * on bfloat16 input, where composing it from bfloat16 ops would round after every step.
     */
    public NDArray inFloat32(NDArray x, UnaryOperator<NDArray> op) {
        return round(op.apply(toFloat32(x)));
    }
}
