package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.nn.Norms;

/** A GroupNorm layer of the VAE ({@code <name>.weight/bias}); statistics span the group's channels × T × H × W. */
final class GroupNorm {
    private final NDArray weight;
    private final NDArray bias;
    private final int groups;

    GroupNorm(VaeParameters params, String name, long channels, int groups) {
        this.weight = params.get(name + ".weight", channels);
        this.bias = params.get(name + ".bias", channels);
        this.groups = groups;
    }

    NDArray forward(NDArray x) {
        return Norms.groupNorm(x, groups, weight, bias, VaeConfig.NORM_EPS);
    }
}
