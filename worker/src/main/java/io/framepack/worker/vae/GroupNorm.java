package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.tensor.Kernels;

/** A GroupNorm layer of the VAE ({@code <name>.weight/bias}); statistics span the group's channels × T × H × W. */
final class GroupNorm {
    private final NDArray weight;
    private final NDArray bias;
    private final int groups;
    private final Kernels kernels;

    GroupNorm(VaeParameters params, String name, long channels, int groups, Kernels kernels) {
        this.weight = params.get(name + ".weight", channels);
        this.bias = params.get(name + ".bias", channels);
        this.groups = groups;
        this.kernels = kernels;
    }

    NDArray forward(NDArray x) {
        return kernels.groupNorm(x, groups, weight, bias, VaeConfig.NORM_EPS);
    }
}
