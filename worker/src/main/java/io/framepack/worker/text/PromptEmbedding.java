package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;

/**
 * A prompt as the transformer consumes it: LLaMA states after the template crop, zero-padded to
 * 512 positions with a boolean mask {@code [1,512]}, and CLIP-L's pooled vector {@code [1,768]}.
 *
 * @param truncated whether the prompt was longer than the encoders accept and was cut
 */
public record PromptEmbedding(NDArray llamaStates, NDArray llamaMask, NDArray clipPooled, boolean truncated) {
}
