package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;

/**
 * One call of the packed transformer, in the paper's three parts: the noisy latents being
 * denoised, the packed context of clean latents (the official forward's {@code clean_latents*}
 * and their indices) and the conditioning. Shapes for batch 1, K noisy latent frames of h × w.
 */
public record TransformerInputs(NoisyLatents noisy, PackedContext context, Conditioning conditioning) {

    /**
     * {@code hidden_states [1,16,K,h,w]} at {@code timestep [1]} (σ·1000, already quantised like
     * the model's dtype by the sampler), with their frame indices int64 {@code [1,K]}
     * ({@code latent_indices}; null means 0 … K−1).
     */
    public record NoisyLatents(NDArray latents, NDArray timestep, NDArray indices) {
    }

    /** Clean latents of one compression, float32 {@code [1,16,n,h,w]}, with one frame index each, int64 {@code [1,n]}. */
    public record CleanLatents(NDArray latents, NDArray indices) {
    }

    /**
     * The clean latents the official demos pack in front of the noisy ones, at 1×, 2× and 4×
     * compression (2, 2 and 16 frames there); a null part is not packed.
     */
    public record PackedContext(CleanLatents clean, CleanLatents clean2x, CleanLatents clean4x) {
        /** A forward without any clean-latent context. */
        public static final PackedContext NONE = new PackedContext(null, null, null);
    }

    /**
     * What the video is conditioned on: the LLaMA text states {@code [1,512,4096]} with their
     * boolean mask {@code [1,512]} ({@code encoder_hidden_states}, {@code encoder_attention_mask}),
     * CLIP's pooled text {@code [1,768]} ({@code pooled_projections}), the SigLIP states of the
     * start image {@code [1,729,1152]} ({@code image_embeddings}) and the distilled guidance
     * {@code [gs·1000]} ({@code guidance}).
     */
    public record Conditioning(NDArray textStates, NDArray textMask, NDArray pooledText, NDArray imageEmbeddings,
                               NDArray guidance) {
    }
}
