package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;

/** An affine LayerNorm over the last axis with a checkpoint's {@code <name>.weight} and {@code <name>.bias}. */
public record LayerNorm(NDArray weight, NDArray bias, float eps) {

    /** Loads {@code <name>.weight [features]} and {@code <name>.bias [features]}. */
    public static LayerNorm load(Parameters params, String name, long features, float eps) {
        return new LayerNorm(params.tensor(name + ".weight", features), params.tensor(name + ".bias", features), eps);
    }

    public NDArray forward(NDArray x) {
        return Norms.layerNorm(x, weight, bias, eps);
    }
}
