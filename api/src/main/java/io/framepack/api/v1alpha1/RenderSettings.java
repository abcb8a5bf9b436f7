package io.framepack.api.v1alpha1;

/**
 * How a video is sampled. Defaults are those of the official FramePack demo, so an empty
 * {@code render:} section reproduces the demo's output for the same image, prompt and seed.
 * The operator hands this object to the worker unchanged.
 */
public class RenderSettings {
    /** Requested duration; the section count is {@code round(seconds * 30 / (4 * latentWindowSize))}. */
    public Double seconds = 5.0;
    public Long seed = 31337L;
    public Variant variant = Variant.inverted;
    public Integer steps = 25;
    /** Value fed to the guidance embedder (the demo's "Distilled CFG Scale"). */
    public Double distilledGuidance = 10.0;
    /** Real classifier-free guidance; 1 disables the negative pass. */
    public Double cfg = 1.0;
    /** Guidance rescale mix factor in [0, 1]. */
    public Double cfgRescale = 0.0;
    /** Latent frames generated per section. */
    public Integer latentWindowSize = 9;
    public TeaCacheSettings teaCache = new TeaCacheSettings();
    /** Resolution bucket family; 640 is the table FramePack was trained with. */
    public Integer resolution = 640;
    /** x264 constant rate factor of the MP4. */
    public Integer crf = 16;

    /** Sampling order of the sections. */
    public enum Variant {
        /** FramePack anti-drifting: sections from the end of the video back to the start image. */
        inverted,
        /** FramePack-F1: sections forward in time. */
        f1
    }
}
