package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.text.PromptEmbedding;

import java.util.List;

/**
 * Everything a job conditions on besides the latents: the prompt of each section (in generation
 * order; timed prompts give sections different ones), the negative prompt (all zeros of the
 * positive's shapes when real CFG is 1, as in the official code, and then never used) and the
 * SigLIP states of the start image {@code [1,729,1152]}.
 */
public record Conditioning(List<PromptEmbedding> sectionPrompts, PromptEmbedding negative, NDArray imageEmbeddings) {
    public Conditioning {
        if (sectionPrompts.isEmpty()) {
            throw new IllegalArgumentException("a job needs the prompt of at least one section");
        }
        sectionPrompts = List.copyOf(sectionPrompts);
    }

    /** The prompt section {@code section} (0-based, generation order) is conditioned on. */
    public PromptEmbedding positive(int section) {
        return sectionPrompts.get(section);
    }
}
