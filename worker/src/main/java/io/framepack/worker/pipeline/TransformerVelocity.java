package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.sampling.VelocityModel;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerInputs;

/**
 * The packed transformer as the section loop's velocity model, with TeaCache re-initialised at
 * the start of every section like the official demo ({@code initialize_teacache} per section).
 */
public final class TransformerVelocity implements VelocityModel {
    /** The official demo's TeaCache threshold (relative L1 of the modulated input). */
    public static final double OFFICIAL_TEACACHE_THRESHOLD = 0.15;

    private final PackedTransformer transformer;
    private final double teaCacheThreshold;

    /**
     * @param teaCacheThreshold relative-L1 threshold of TeaCache, or 0 to run every step in full
     *                          (the demo's default is {@link #OFFICIAL_TEACACHE_THRESHOLD})
     */
    public TransformerVelocity(PackedTransformer transformer, double teaCacheThreshold) {
        if (!(teaCacheThreshold >= 0)) {
            throw new IllegalArgumentException("TeaCache threshold must be >= 0, got " + teaCacheThreshold);
        }
        this.transformer = transformer;
        this.teaCacheThreshold = teaCacheThreshold;
    }

    @Override
    public NDArray forward(TransformerInputs inputs) {
        return transformer.forward(inputs);
    }

    @Override
    public void startSection(int steps) {
        if (teaCacheThreshold > 0) {
            transformer.enableTeaCache(steps, teaCacheThreshold);
        } else {
            transformer.disableTeaCache();
        }
    }
}
