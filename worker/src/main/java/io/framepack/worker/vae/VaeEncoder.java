package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.nn.Activations;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Scratch;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code HunyuanVideoEncoder3D} followed by {@code quant_conv}: pixels {@code [B, 3, T, H, W]} to
 * the posterior's moments {@code [B, 2·latent, (T−1)/4+1, H/8, W/8]} (mean ‖ log-variance).
 */
final class VaeEncoder {
    private final CausalConv3d convIn;
    private final List<ResnetBlock> resnets = new ArrayList<>();
    /** Per stage, the index in {@link #resnets} after which that stage's downsampler runs. */
    private final List<Integer> stageEnds = new ArrayList<>();
    private final List<CausalConv3d> downsamplers = new ArrayList<>();
    private final MidBlock mid;
    private final GroupNorm normOut;
    private final CausalConv3d convOut;
    private final PointwiseConv quantConv;

    VaeEncoder(VaeParameters params, VaeConfig config, Kernels kernels) {
        int[] channels = config.blockOutChannels();
        int groups = config.normNumGroups();
        this.convIn = CausalConv3d.load(params, kernels, "encoder.conv_in", config.inChannels(), channels[0], 3);
        long in = channels[0];
        for (int stage = 0; stage < config.stages(); stage++) {
            long out = channels[stage];
            for (int layer = 0; layer < config.layersPerBlock(); layer++) {
                resnets.add(new ResnetBlock(params, "encoder.down_blocks." + stage + ".resnets." + layer,
                        layer == 0 ? in : out, out, groups, kernels));
            }
            stageEnds.add(resnets.size());
            boolean space = config.spaceScaled(stage);
            boolean time = config.timeScaled(stage);
            downsamplers.add(space || time
                    ? CausalConv3d.load(params, kernels, "encoder.down_blocks." + stage + ".downsamplers.0.conv", out, out, 3,
                            time ? 2 : 1, space ? 2 : 1)
                    : null);
            in = out;
        }
        this.mid = new MidBlock(params, "encoder.mid_block", config, kernels);
        this.normOut = new GroupNorm(params, "encoder.conv_norm_out", in, groups, kernels);
        this.convOut = CausalConv3d.load(params, kernels, "encoder.conv_out", in, 2L * config.latentChannels(), 3);
        this.quantConv = new PointwiseConv(params, "quant_conv", 2L * config.latentChannels());
    }

    NDArray forward(NDArray pixels) {
        NDArray h = convIn.forward(pixels);
        int next = 0;
        for (int stage = 0; stage < stageEnds.size(); stage++) {
            for (; next < stageEnds.get(stage); next++) {
                h = Scratch.replace(h, resnets.get(next).forward(h));
            }
            CausalConv3d down = downsamplers.get(stage);
            if (down != null) {
                h = Scratch.replace(h, down.forward(h));
            }
        }
        h = Scratch.replace(h, mid.forward(h));
        NDArray moments = Scratch.run(h, x -> quantConv.forward(convOut.forward(Activations.silu(normOut.forward(x)))));
        h.close();
        return moments;
    }
}
