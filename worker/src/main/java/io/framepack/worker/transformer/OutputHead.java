package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Numerics;

/**
 * The output head: a final AdaLN ({@code norm_out}, whose projection is ordered scale then shift),
 * the noisy tokens only, a float32 projection to patch values ({@code proj_out} upcast, as with
 * {@code high_quality_fp32_output_for_inference}) and unpatchify back to a latent video.
 */
final class OutputHead {
    private final Linear modulation;
    private final Linear projOut;
    private final int channels;
    private final int patchT;
    private final int patch;
    private final AdaLayerNorm adaNorm;
    private final Numerics numerics;

    OutputHead(ParameterReader params, TransformerConfig config, AdaLayerNorm adaNorm, Numerics numerics) {
        this.adaNorm = adaNorm;
        this.modulation = params.linear("norm_out.linear", config.innerDim(), 2L * config.innerDim());
        this.projOut = params.linearFloat32("proj_out", config.innerDim(), config.patchVolume());
        this.channels = config.outChannels();
        this.patchT = config.patchSizeT();
        this.patch = config.patchSize();
        this.numerics = numerics;
    }

    /** Image tokens {@code [1, N, d]} whose last {@code T·h·w} are the noisy grid → float32 {@code [1, C, T·pt, h·p, w·p]}. */
    NDArray forward(NDArray image, NDArray conditioning, long frames, long height, long width) {
        NDList scaleShift = adaNorm.modulation(modulation, conditioning, 2);
        NDArray x = adaNorm.modulate(image, scaleShift.get(1), scaleShift.get(0));
        long tokens = x.getShape().get(1);
        x = x.get(new NDIndex(":, {}:, :", tokens - frames * height * width));
        NDArray patches = projOut.forward(numerics.toFloat32(x));
        return unpatchify(patches, frames, height, width);
    }

    /** {@code [B, (t h w), (c pt ph pw)] → [B, c, (t pt), (h ph), (w pw)]}. */
    private NDArray unpatchify(NDArray patches, long frames, long height, long width) {
        long batch = patches.getShape().get(0);
        return patches.reshape(batch, frames, height, width, channels, patchT, patch, patch)
                .transpose(0, 4, 1, 5, 2, 6, 3, 7)
                .reshape(batch, channels, frames * patchT, height * patch, width * patch);
    }
}
