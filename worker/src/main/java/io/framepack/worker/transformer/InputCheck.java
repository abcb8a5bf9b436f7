package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;

/**
 * Checks a forward's inputs against the config before any work, so a caller's mistake reads as
 * "which input, which shape" rather than a shape error from deep inside libtorch.
 */
final class InputCheck {
    /** Any size on this axis. */
    private static final long ANY = -1;

    private InputCheck() {
    }

    static void check(TransformerInputs in, TransformerConfig config) {
        TransformerInputs.NoisyLatents noisy = required(in.noisy(), "noisy latents");
        TransformerInputs.Conditioning conditioning = required(in.conditioning(), "conditioning");
        NDArray hidden = required(noisy.latents(), "hidden_states");
        shape(hidden, "hidden_states", 1, config.inChannels(), ANY, ANY, ANY);
        long[] latent = hidden.getShape().getShape();
        if (latent[2] % config.patchSizeT() != 0 || latent[3] % config.patchSize() != 0
                || latent[4] % config.patchSize() != 0) {
            throw new IllegalArgumentException("hidden_states " + hidden.getShape() + " is not a multiple of the patch "
                    + config.patchSizeT() + "x" + config.patchSize() + "x" + config.patchSize());
        }
        shape(required(noisy.timestep(), "timestep"), "timestep", 1);
        if (noisy.indices() != null) {
            shape(noisy.indices(), "latent_indices", 1, latent[2] / config.patchSizeT());
        }
        shape(required(conditioning.guidance(), "guidance"), "guidance", 1);
        NDArray text = required(conditioning.textStates(), "encoder_hidden_states");
        shape(text, "encoder_hidden_states", 1, ANY, config.textEmbedDim());
        shape(required(conditioning.textMask(), "encoder_attention_mask"), "encoder_attention_mask",
                1, text.getShape().get(1));
        shape(required(conditioning.pooledText(), "pooled_projections"), "pooled_projections",
                1, config.pooledProjectionDim());
        if (config.hasImageProj()) {
            shape(required(conditioning.imageEmbeddings(), "image_embeddings"), "image_embeddings", 1, ANY,
                    config.imageProjDim());
        }
        TransformerInputs.PackedContext context = required(in.context(), "context");
        context(context.clean(), "clean_latents", latent, config);
        context(context.clean2x(), "clean_latents_2x", latent, config);
        context(context.clean4x(), "clean_latents_4x", latent, config);
    }

    /** A context part: latents like the noisy ones (any frame count) with one index per frame. */
    private static void context(TransformerInputs.CleanLatents part, String name, long[] latent, TransformerConfig config) {
        if (part == null) {
            return;
        }
        if (part.latents() == null || part.indices() == null) {
            throw new IllegalArgumentException(name + " and its indices must be given together");
        }
        NDArray latents = part.latents();
        NDArray indices = part.indices();
        if (!config.hasCleanXEmbedder()) {
            throw new IllegalArgumentException(name + " given, but the checkpoint config has no clean_x_embedder");
        }
        shape(latents, name, 1, latent[1], ANY, latent[3], latent[4]);
        shape(indices, name + " indices", 1, latents.getShape().get(2));
    }

    private static <T> T required(T input, String name) {
        if (input == null) {
            throw new IllegalArgumentException("transformer input " + name + " is missing");
        }
        return input;
    }

    private static void shape(NDArray array, String name, long... expected) {
        long[] actual = array.getShape().getShape();
        boolean matches = actual.length == expected.length;
        for (int i = 0; matches && i < expected.length; i++) {
            matches = expected[i] == ANY || expected[i] == actual[i];
        }
        if (!matches) {
            throw new IllegalArgumentException("transformer input " + name + " must have shape "
                    + Arrays.toString(expected).replace("-1", "*") + " (batch 1), got " + array.getShape());
        }
    }
}
