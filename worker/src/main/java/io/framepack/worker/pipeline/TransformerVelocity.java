package io.framepack.worker.pipeline;

import io.framepack.worker.sampling.VelocityModel;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerInputs;

/**
 * The packed transformer as the sampler's velocity model: {@link #conditionedOn} fixes one pass's
 * conditioning and context, the sampler supplies latents and timestep at every step. TeaCache is
 * re-initialised at the start of every section like the official demo ({@code initialize_teacache}
 * per section).
 */
public final class TransformerVelocity {
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

    /** The transformer under {@code inputs}' conditioning and context (their latents and timestep are replaced). */
    public VelocityModel conditionedOn(TransformerInputs inputs) {
        return (noisyLatents, timestep) -> transformer.forward(inputs.withLatents(noisyLatents, timestep));
    }

    /** Called before the first step of every section. */
    public void startSection(int steps) {
        if (teaCacheThreshold > 0) {
            transformer.enableTeaCache(steps, teaCacheThreshold);
        } else {
            transformer.disableTeaCache();
        }
    }
}
