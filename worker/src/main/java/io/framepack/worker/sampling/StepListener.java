package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;

/** Told after every sampler step; may throw to abort sampling (cancellation). */
@FunctionalInterface
public interface StepListener {

    StepListener NONE = (step, x, denoised) -> {
    };

    /**
     * @param step     0-based step index
     * @param x        the sampler state after the step (valid only during the call)
     * @param denoised the newest x̂₀ prediction (valid only during the call)
     */
    void onStep(int step, NDArray x, NDArray denoised);
}
