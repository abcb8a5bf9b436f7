package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.transformer.TransformerInputs;

/**
 * A flow-matching velocity predictor: FramePack's packed transformer, seen from the sampler.
 */
public interface VelocityModel {

    /** The velocity {@code ε − x₀} for {@code inputs}, float32, shaped like the noisy latents. */
    NDArray forward(TransformerInputs inputs);

    /** Called before the first step of every section (resets per-section state such as TeaCache). */
    default void startSection(int steps) {
    }
}
