package io.framepack.worker.transformer;

import ai.djl.ndarray.NDManager;
import io.framepack.worker.GoldenCases;

/** The inputs of the golden {@code transformer_forward_case}, in the transformer's three parts. */
public final class ForwardCase {
    public static final String NAME = "transformer_forward_case";

    private ForwardCase() {
    }

    public static TransformerInputs inputs(GoldenCases goldens, NDManager m) {
        return new TransformerInputs(noisy(goldens, m), context(goldens, m), conditioning(goldens, m));
    }

    public static TransformerInputs.NoisyLatents noisy(GoldenCases goldens, NDManager m) {
        return new TransformerInputs.NoisyLatents(goldens.tensor(NAME, "hidden_states", m),
                goldens.tensor(NAME, "timestep", m), goldens.tensor(NAME, "latent_indices", m));
    }

    public static TransformerInputs.PackedContext context(GoldenCases goldens, NDManager m) {
        return new TransformerInputs.PackedContext(clean(goldens, "clean_latents", "clean_latent_indices", m),
                clean(goldens, "clean_latents_2x", "clean_latent_2x_indices", m),
                clean(goldens, "clean_latents_4x", "clean_latent_4x_indices", m));
    }

    public static TransformerInputs.Conditioning conditioning(GoldenCases goldens, NDManager m) {
        return new TransformerInputs.Conditioning(goldens.tensor(NAME, "encoder_hidden_states", m),
                goldens.tensor(NAME, "encoder_attention_mask", m), goldens.tensor(NAME, "pooled_projections", m),
                goldens.tensor(NAME, "image_embeddings", m), goldens.tensor(NAME, "guidance", m));
    }

    private static TransformerInputs.CleanLatents clean(GoldenCases goldens, String latents, String indices, NDManager m) {
        return new TransformerInputs.CleanLatents(goldens.tensor(NAME, latents, m), goldens.tensor(NAME, indices, m));
    }
}
