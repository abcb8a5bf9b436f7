package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.nn.Activations;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Scratch;

/**
 * {@code HunyuanVideoResnetBlockCausal3D}: GN → SiLU → causal conv → GN → SiLU → causal conv,
 * plus the input (through a 1×1×1 causal conv when the channel count changes).
 */
final class ResnetBlock {
    private final GroupNorm norm1;
    private final CausalConv3d conv1;
    private final GroupNorm norm2;
    private final CausalConv3d conv2;
    private final CausalConv3d shortcut;

    ResnetBlock(VaeParameters params, String name, long in, long out, int groups, Kernels kernels) {
        this.norm1 = new GroupNorm(params, name + ".norm1", in, groups, kernels);
        this.conv1 = CausalConv3d.load(params, kernels, name + ".conv1", in, out, 3);
        this.norm2 = new GroupNorm(params, name + ".norm2", out, groups, kernels);
        this.conv2 = CausalConv3d.load(params, kernels, name + ".conv2", out, out, 3);
        this.shortcut = in == out ? null : CausalConv3d.load(params, kernels, name + ".conv_shortcut", in, out, 1);
    }

    NDArray forward(NDArray x) {
        return Scratch.run(x, input -> {
            NDArray h = conv1.forward(Activations.silu(norm1.forward(input)));
            h = conv2.forward(Activations.silu(norm2.forward(h)));
            return h.add(shortcut == null ? input : shortcut.forward(input));
        });
    }
}
