package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.sampling.VelocityModel;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerInputs;

/**
 * The packed transformer as the sampler's velocity model: {@link #conditionedOn} fixes what one
 * pass holds for a whole section, the sampler supplies latents and timestep at every step. TeaCache is
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

    /**
     * The transformer for noisy latents at {@code latentIndices}, given the packed context and the
     * conditioning of one pass.
     */
    public VelocityModel conditionedOn(NDArray latentIndices, TransformerInputs.PackedContext context,
                                       TransformerInputs.Conditioning conditioning) {
        return (noisyLatents, timestep) -> transformer.forward(new TransformerInputs(
                new TransformerInputs.NoisyLatents(noisyLatents, timestep, latentIndices), context, conditioning));
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
