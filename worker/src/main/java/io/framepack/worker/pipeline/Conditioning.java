package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.text.PromptEmbedding;

/**
 * Everything a job conditions on besides the latents: the prompt, the negative prompt (all zeros
 * of the positive's shapes when real CFG is 1, as in the official code, and then never used) and
 * the SigLIP states of the start image {@code [1,729,1152]}.
 */
public record Conditioning(PromptEmbedding positive, PromptEmbedding negative, NDArray imageEmbeddings) {
}
