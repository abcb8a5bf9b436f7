package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.nn.Activations;
import io.framepack.worker.nn.VideoOps;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Scratch;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code post_quant_conv} followed by {@code HunyuanVideoDecoder3D}: unscaled latents
 * {@code [B, 16, T, h, w]} to pixels {@code [B, 3, 4(T−1)+1, 8h, 8w]}, in one piece (the temporal
 * tiling around it lives in {@link HunyuanVideoVae}).
 */
final class VaeDecoder {
    private final PointwiseConv postQuantConv;
    private final CausalConv3d convIn;
    private final MidBlock mid;
    private final List<UpBlock> upBlocks = new ArrayList<>();
    private final GroupNorm normOut;
    private final CausalConv3d convOut;

    VaeDecoder(VaeParameters params, VaeConfig config, Kernels kernels) {
        int[] channels = config.blockOutChannels();
        int groups = config.normNumGroups();
        long deepest = channels[channels.length - 1];
        this.postQuantConv = new PointwiseConv(params, "post_quant_conv", config.latentChannels());
        this.convIn = CausalConv3d.load(params, kernels, "decoder.conv_in", config.latentChannels(), deepest, 3);
        this.mid = new MidBlock(params, "decoder.mid_block", config, kernels);
        long in = deepest;
        for (int stage = 0; stage < config.stages(); stage++) {
            long out = channels[channels.length - 1 - stage];
            upBlocks.add(new UpBlock(params, "decoder.up_blocks." + stage, in, out, config, stage, kernels));
            in = out;
        }
        this.normOut = new GroupNorm(params, "decoder.conv_norm_out", channels[0], groups, kernels);
        this.convOut = CausalConv3d.load(params, kernels, "decoder.conv_out", channels[0], config.outChannels(), 3);
    }

    NDArray forward(NDArray latents) {
        NDArray h = Scratch.run(latents, z -> convIn.forward(postQuantConv.forward(z)));
        h = Scratch.replace(h, mid.forward(h));
        for (UpBlock block : upBlocks) {
            h = block.forward(h);
        }
        NDArray pixels = Scratch.run(h, x -> convOut.forward(Activations.silu(normOut.forward(x))));
        h.close();
        return pixels;
    }

    /** {@code HunyuanVideoUpBlock3D}: layers_per_block + 1 ResNets, then the causal upsampler if the stage has one. */
    private static final class UpBlock {
        private final List<ResnetBlock> resnets = new ArrayList<>();
        private final CausalConv3d upsampleConv;
        private final int timeFactor;
        private final int spaceFactor;

        UpBlock(VaeParameters params, String name, long in, long out, VaeConfig config, int stage, Kernels kernels) {
            for (int layer = 0; layer <= config.layersPerBlock(); layer++) {
                resnets.add(new ResnetBlock(params, name + ".resnets." + layer, layer == 0 ? in : out, out,
                        config.normNumGroups(), kernels));
            }
            this.timeFactor = config.timeScaled(stage) ? 2 : 1;
            this.spaceFactor = config.spaceScaled(stage) ? 2 : 1;
            this.upsampleConv = timeFactor > 1 || spaceFactor > 1
                    ? CausalConv3d.load(params, kernels, name + ".upsamplers.0.conv", out, out, 3) : null;
        }

        /** Consumes {@code x} (an intermediate of the decoder). */
        NDArray forward(NDArray x) {
            NDArray h = x;
            for (ResnetBlock resnet : resnets) {
                h = Scratch.replace(h, resnet.forward(h));
            }
            if (upsampleConv == null) {
                return h;
            }
            return Scratch.replace(h, Scratch.run(h, this::upsample));
        }

        /** Frame 0 is only enlarged in space (it stays one frame); later frames also in time. Then the conv. */
        private NDArray upsample(NDArray x) {
            long frames = x.getShape().get(2);
            NDArray first = VideoOps.upsampleNearest(x.get(new NDIndex(":, :, 0:1")), 1, spaceFactor, spaceFactor);
            NDArray enlarged = frames == 1 ? first : NDArrays.concat(new NDList(first,
                    VideoOps.upsampleNearest(x.get(new NDIndex(":, :, 1:")), timeFactor, spaceFactor, spaceFactor)), 2);
            return upsampleConv.forward(enlarged);
        }
    }
}
