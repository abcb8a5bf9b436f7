package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.util.function.UnaryOperator;

/**
 * The one place where the transformer and the sampler choose dtypes. The official model computes
 * in bfloat16 and rounds explicitly at a few points (inputs, RoPE output, RMSNorm, fused
 * activations); with {@link Precision#FLOAT32} every such point is a no-op, so the same block code
 * serves the float32 CPU path (golden parity) and the bfloat16 GPU path.
 */
public final class Numerics {
    /** Elements per slice of {@link #inFloat32}: 64 MB of float32 temporaries per intermediate. */
    private static final long SLICE_ELEMENTS = 1L << 24;

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

    /** {@code x} rounded to the compute dtype ({@code x.to(transformer.dtype)} in the official code). */
    public NDArray round(NDArray x) {
        if (precision == Precision.BFLOAT16) {
            return kernels.toBfloat16(x);
        }
        return toFloat32(x);
    }

    /** {@link #round}, freeing {@code x} when rounding made a new array. */
    public NDArray roundReplacing(NDArray x) {
        NDArray rounded = round(x);
        if (rounded != x) {
            x.close();
        }
        return rounded;
    }

    /** {@code x} as float32 (bfloat16 arrays report dtype UNKNOWN to DJL but convert fine). */
    public NDArray toFloat32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }

    /**
     * An elementwise {@code op} evaluated in float32 and rounded once: how PyTorch runs a fused op
     * (SiLU, GELU) on bfloat16 input, where composing it from bfloat16 ops would round after every
     * step. Large inputs go through in slices of rows so the float32 temporaries stay small.
     */
    public NDArray inFloat32(NDArray x, UnaryOperator<NDArray> op) {
        long size = x.getShape().size();
        int rowAxis = x.getShape().dimension() - 2;
        if (size <= SLICE_ELEMENTS || rowAxis < 0) {
            return Scratch.keep(() -> round(op.apply(toFloat32(x))), x);
        }
        long rows = x.getShape().get(rowAxis);
        long sliceRows = Math.max(1, rows * SLICE_ELEMENTS / size);
        NDList slices = new NDList();
        for (long start = 0; start < rows; start += sliceRows) {
            NDArray slice = x.get(new NDIndex().addAllDim(rowAxis).addSliceDim(start, Math.min(rows, start + sliceRows)));
            slices.add(Scratch.keep(() -> round(op.apply(toFloat32(slice))), slice));
        }
        NDArray joined = NDArrays.concat(slices, rowAxis);
        slices.close();
        return joined;
    }
}
