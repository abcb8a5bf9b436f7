package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.framepack.worker.tensor.Weights;

/** {@code y = x Wᵀ + b} with a checkpoint's {@code weight [out, in]} and optional {@code bias [out]}. */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Loads {@code <name>.weight} and, if present, {@code <name>.bias}. */
    public static Linear load(Weights weights, String name, NDManager manager) {
        NDArray bias = weights.contains(name + ".bias") ? weights.get(name + ".bias", manager) : null;
        return new Linear(weights.get(name + ".weight", manager), bias);
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    public NDArray weight() {
        return weight;
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
