package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;

/**
 * A flow-matching velocity predictor under one fixed conditioning, as the sampler sees it: from
 * step to step only the noisy latents and the timestep change (FramePack's packed transformer,
 * adapted by the pipeline).
 */
@FunctionalInterface
public interface VelocityModel {

    /**
     * The velocity {@code ε − x₀}, float32, shaped like {@code noisyLatents}.
     *
     * @param noisyLatents the state {@code x}, already rounded to the model's dtype
     * @param timestep     {@code [σ·1000]}, quantised like the model's dtype
     */
    NDArray velocity(NDArray noisyLatents, NDArray timestep);
}
