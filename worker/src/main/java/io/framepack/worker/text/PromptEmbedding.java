package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;

/**
 * A prompt as the transformer consumes it: LLaMA states after the template crop, zero-padded to
 * 512 positions with a boolean mask {@code [1,512]}, and CLIP-L's pooled vector {@code [1,768]}.
 *
 * @param truncated whether the prompt was longer than the encoders accept and was cut
 */
public record PromptEmbedding(NDArray llamaStates, NDArray llamaMask, NDArray clipPooled, boolean truncated) {

    /**
     * FramePack-Studio's prompt blend ({@code modules/pipelines/worker.py}, in lines 711-779): LLaMA states and
     * CLIP pooled vector {@code (1 − alpha)·this + alpha·to}, computed in their own dtype as torch
     * does with a Python scalar; the mask stays this prompt's, so {@code to}'s extra tokens count
     * only where this prompt has tokens.
     */
    public PromptEmbedding blendTowards(PromptEmbedding to, double alpha) {
        return new PromptEmbedding(lerp(llamaStates, to.llamaStates, alpha), llamaMask,
                lerp(clipPooled, to.clipPooled, alpha), truncated || to.truncated);
    }

    private static NDArray lerp(NDArray from, NDArray to, double alpha) {
        try (NDArray kept = from.mul((float) (1 - alpha)); NDArray added = to.mul((float) alpha)) {
            return kept.add(added);
        }
    }
}
