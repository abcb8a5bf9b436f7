package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;

/** An x̂₀ predictor: what the UniPC sampler evaluates at every step. */
@FunctionalInterface
public interface Denoiser {

    /**
     * The predicted clean latents for state {@code x} at noise level {@code sigma}, float32,
     * attached to {@code x}'s manager.
     */
    NDArray denoise(NDArray x, float sigma);
}
