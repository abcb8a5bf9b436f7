package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;

/**
 * A change to a model's stored weights, made per key while the model is read (a LoRA merged at
 * load), so no second copy of the model is ever held. Works in float32: it gets the stored value
 * widened to float32 and gives the new value in float32; the reader rounds it to the compute
 * precision once, as musubi-tuner casts its merged weights to the model's dtype after the merge.
 */
public interface WeightTransform {
    /** Changes nothing. */
    WeightTransform NONE = new WeightTransform() {
        @Override
        public boolean changes(String key) {
            return false;
        }

        @Override
        public NDArray apply(String key, NDArray stored) {
            return stored;
        }
    };

    /** Whether the weight {@code key} (its full name in the checkpoint) is changed. */
    boolean changes(String key);

    /**
     * The new value of {@code key} in float32, on {@code stored}'s manager and device; {@code stored}
     * (float32) is consumed: closed, or returned changed in place.
     */
    NDArray apply(String key, NDArray stored);
}
