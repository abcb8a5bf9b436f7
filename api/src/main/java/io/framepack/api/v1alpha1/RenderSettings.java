package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How a video is sampled. Defaults are those of the official FramePack demo, so an empty
 * {@code render:} section reproduces the demo's output for the same image, prompt and seed.
 * The operator hands this object to the worker unchanged.
 */
@ValidationRule(value = "self.cfgRescale == 0.0 || self.cfg > 1.0",
        message = "cfgRescale only applies with real guidance: set cfg above 1 or cfgRescale to 0")
@ValidationRule(value = "self.resolution % 16 == 0", message = "resolution must be a multiple of 16")
public class RenderSettings {
    /** The largest integer every JSON reader keeps exactly (2^53 - 1). */
    public static final long MAX_SEED = 9_007_199_254_740_991L;

    /** Requested duration; the section count is {@code round(seconds * 30 / (4 * latentWindowSize))}. */
    @Default("5")
    @Min(value = 0, inclusive = false)
    @Max(120)
    public Double seconds = 5.0;
    @Default("31337")
    @Min(0)
    @Max(MAX_SEED)
    public Long seed = 31337L;
    @Default("inverted")
    public Variant variant = Variant.inverted;
    @Default("25")
    @Min(1)
    @Max(100)
    public Integer steps = 25;
    /** Value fed to the guidance embedder (the demo's "Distilled CFG Scale"). */
    @Default("10")
    @Min(1)
    @Max(32)
    public Double distilledGuidance = 10.0;
    /** Real classifier-free guidance; 1 disables the negative pass. */
    @Default("1")
    @Min(1)
    @Max(32)
    public Double cfg = 1.0;
    /** Guidance rescale mix factor in [0, 1]. */
    @Default("0")
    @Min(0)
    @Max(1)
    public Double cfgRescale = 0.0;
    /** Latent frames generated per section. */
    @Default("9")
    @Min(1)
    @Max(33)
    public Integer latentWindowSize = 9;
    public TeaCacheSettings teaCache = new TeaCacheSettings();
    /** Resolution bucket family; 640 is the table FramePack was trained with. */
    @Default("640")
    @Min(128)
    @Max(1280)
    public Integer resolution = 640;
    /** x264 constant rate factor of the MP4. */
    @Default("16")
    @Min(0)
    @Max(51)
    public Integer crf = 16;

    /** Sampling order of the sections. */
    public enum Variant {
        /** FramePack anti-drifting: sections from the end of the video back to the start image. */
        inverted,
        /** FramePack-F1: sections forward in time. */
        f1
    }
}
