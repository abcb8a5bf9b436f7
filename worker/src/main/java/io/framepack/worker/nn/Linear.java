package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code y = x Wᵀ + b} with a checkpoint's {@code weight [out, in]} and optional {@code bias [out]}. */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Loads {@code <name>.weight [out, in]} and {@code <name>.bias [out]}. */
    public static Linear load(Parameters params, String name, long in, long out) {
        return new Linear(params.tensor(name + ".weight", out, in), params.tensor(name + ".bias", out));
    }

    /** Loads {@code <name>.weight [out, in]} of a projection without bias. */
    public static Linear loadWithoutBias(Parameters params, String name, long in, long out) {
        return new Linear(params.tensor(name + ".weight", out, in), null);
    }

    /**
     * As PyTorch's Python {@code F.linear} computes it: a (contiguous) input of more than two axes
     * is flattened to rows so the bias is added inside the matrix product ({@code addmm}, one
     * rounding, no extra pass over the output). libtorch's C++ {@code linear}, which DJL calls,
     * would instead add the bias in a second pass: another rounding in bfloat16, and about 3% of
     * a full-size transformer forward on an H100.
     */
    public NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        int axes = shape.dimension();
        if (bias == null || axes <= 2) {
            return linear(x);
        }
        NDArray rows = x.reshape(-1, shape.get(axes - 1));
        NDArray out = linear(rows);
        NDArray result = out.reshape(shape.slice(0, axes - 1).add(outFeatures()));
        // The views share storage with the result; closing them leaves the caller the only owner.
        rows.close();
        out.close();
        return result;
    }

    private NDArray linear(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
