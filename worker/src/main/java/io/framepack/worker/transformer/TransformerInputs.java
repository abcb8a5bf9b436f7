package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;

/**
 * One call of the packed transformer, named as in the official forward. Shapes for batch 1,
 * K noisy latent frames of h × w: hidden states {@code [1,16,K,h,w]}; timestep and guidance
 * {@code [1]} (already quantised to bf16 values by the sampler); text {@code [1,512,4096]} with a
 * boolean mask {@code [1,512]}; pooled CLIP {@code [1,768]}; SigLIP {@code [1,729,1152]}; index
 * arrays int64 {@code [1,n]}; clean latents {@code [1,16,2|2|16,h,w]} float32. The clean-latent
 * fields are all null for a forward without context.
 */
public record TransformerInputs(
        NDArray hiddenStates,
        NDArray timestep,
        NDArray encoderHiddenStates,
        NDArray encoderAttentionMask,
        NDArray pooledProjections,
        NDArray guidance,
        NDArray imageEmbeddings,
        NDArray latentIndices,
        NDArray cleanLatents,
        NDArray cleanLatentIndices,
        NDArray cleanLatents2x,
        NDArray cleanLatent2xIndices,
        NDArray cleanLatents4x,
        NDArray cleanLatent4xIndices) {

    /** A forward without clean-latent context (all context fields null). */
    public static TransformerInputs withoutContext(NDArray hiddenStates, NDArray timestep, NDArray encoderHiddenStates,
                                                   NDArray encoderAttentionMask, NDArray pooledProjections,
                                                   NDArray guidance, NDArray imageEmbeddings, NDArray latentIndices) {
        return new TransformerInputs(hiddenStates, timestep, encoderHiddenStates, encoderAttentionMask,
                pooledProjections, guidance, imageEmbeddings, latentIndices, null, null, null, null, null, null);
    }

    /** The same conditioning and context with new noisy latents and timestep (the next sampler step). */
    public TransformerInputs withLatents(NDArray newHiddenStates, NDArray newTimestep) {
        return new TransformerInputs(newHiddenStates, newTimestep, encoderHiddenStates, encoderAttentionMask,
                pooledProjections, guidance, imageEmbeddings, latentIndices, cleanLatents, cleanLatentIndices,
                cleanLatents2x, cleanLatent2xIndices, cleanLatents4x, cleanLatent4xIndices);
    }
}
