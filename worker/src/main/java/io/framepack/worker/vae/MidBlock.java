package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Scratch;

/** {@code HunyuanVideoMidBlock3D} with one layer: ResNet, causal attention (if configured), ResNet. */
final class MidBlock {
    private final ResnetBlock first;
    private final CausalAttention attention;
    private final ResnetBlock second;

    MidBlock(VaeParameters params, String name, VaeConfig config, Kernels kernels) {
        long channels = config.blockOutChannels()[config.stages() - 1];
        int groups = config.normNumGroups();
        this.first = new ResnetBlock(params, name + ".resnets.0", channels, channels, groups, kernels);
        this.attention = config.midBlockAddAttention()
                ? new CausalAttention(params, name + ".attentions.0", channels, groups, kernels) : null;
        this.second = new ResnetBlock(params, name + ".resnets.1", channels, channels, groups, kernels);
    }

    NDArray forward(NDArray x) {
        NDArray h = first.forward(x);
        if (attention != null) {
            h = Scratch.replace(h, attention.forward(h));
        }
        return Scratch.replace(h, second.forward(h));
    }

}
