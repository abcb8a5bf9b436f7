package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * Progress of the section loop. Arrays handed over are valid only during the call. A listener
 * may throw to abort the job; the loop's state then still describes the last completed section.
 */
public interface GenerationListener {

    GenerationListener NONE = new GenerationListener() {
    };

    /**
     * After every sampler step.
     *
     * @param denoised the newest x̂₀ prediction {@code [1,16,K,h,w]} (for a latent preview)
     */
    default void onStep(int section, int sections, int step, int steps, NDArray denoised) {
    }

    /**
     * After a section is sampled, merged into the history and decoded: the moment to checkpoint
     * {@code state} and to write the video so far ({@link SectionLoopState#pixels()}).
     */
    default void onSectionDone(int section, int sections, SectionLoopState state) {
    }
}
