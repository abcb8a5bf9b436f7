package io.framepack.worker.pipeline;

/**
 * Sampler settings of a job, named as in the official demo.
 *
 * @param steps             UniPC steps per section (25)
 * @param distilledGuidance value fed to the guidance embedder, "gs" (10)
 * @param cfg               real classifier-free guidance scale; 1 (default) disables the negative pass
 * @param cfgRescale        guidance-rescale mix factor "rs" in [0, 1] (0)
 */
public record SamplingSettings(int steps, double distilledGuidance, double cfg, double cfgRescale) {

    public SamplingSettings {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (!(cfg >= 1.0) || !(distilledGuidance >= 0.0) || !(cfgRescale >= 0.0 && cfgRescale <= 1.0)) {
            throw new IllegalArgumentException("invalid guidance: cfg " + cfg + ", distilled " + distilledGuidance
                    + ", rescale " + cfgRescale);
        }
    }
}
