package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.framepack.api.v1alpha1.RenderTable.*;

/**
 * How a video is sampled. Defaults (those of {@link RenderTable}, the official FramePack demo's) make
 * an empty {@code render:} section reproduce the demo's output for the same image, prompt and seed.
 * The operator hands this object to the worker unchanged.
 */
@ValidationRule(value = "self.cfgRescale == 0.0 || self.cfg > 1.0",
        message = "cfgRescale only applies with real guidance: set cfg above 1 or cfgRescale to 0")
@ValidationRule(value = "self.resolution % " + RESOLUTION_MULTIPLE + " == 0",
        message = "resolution must be a multiple of " + RESOLUTION_MULTIPLE)
public class RenderSettings {
    /** Requested duration; the section count is {@code round(seconds * 30 / (4 * latentWindowSize))}. */
    @Default(DEFAULT_SECONDS)
    @Min(value = 0, inclusive = false)
    @Max(MAX_SECONDS)
    public Double seconds = Double.valueOf(DEFAULT_SECONDS);
    @Default(DEFAULT_SEED)
    @Min(0)
    @Max(MAX_SEED)
    public Long seed = Long.valueOf(DEFAULT_SEED);
    @Default(DEFAULT_VARIANT)
    public Variant variant = Variant.valueOf(DEFAULT_VARIANT);
    @Default(DEFAULT_STEPS)
    @Min(MIN_STEPS)
    @Max(MAX_STEPS)
    public Integer steps = Integer.valueOf(DEFAULT_STEPS);
    /** Value fed to the guidance embedder (the demo's "Distilled CFG Scale"). */
    @Default(DEFAULT_DISTILLED_GUIDANCE)
    @Min(MIN_GUIDANCE)
    @Max(MAX_GUIDANCE)
    public Double distilledGuidance = Double.valueOf(DEFAULT_DISTILLED_GUIDANCE);
    /** Real classifier-free guidance; 1 disables the negative pass. */
    @Default(DEFAULT_CFG)
    @Min(MIN_GUIDANCE)
    @Max(MAX_GUIDANCE)
    public Double cfg = Double.valueOf(DEFAULT_CFG);
    /** Guidance rescale mix factor in [0, 1]. */
    @Default(DEFAULT_CFG_RESCALE)
    @Min(0)
    @Max(MAX_CFG_RESCALE)
    public Double cfgRescale = Double.valueOf(DEFAULT_CFG_RESCALE);
    /** Latent frames generated per section. */
    @Default(DEFAULT_LATENT_WINDOW_SIZE)
    @Min(MIN_LATENT_WINDOW)
    @Max(MAX_LATENT_WINDOW)
    public Integer latentWindowSize = Integer.valueOf(DEFAULT_LATENT_WINDOW_SIZE);
    public TeaCacheSettings teaCache = new TeaCacheSettings();
    /** Resolution bucket family; 640 is the table FramePack was trained with. */
    @Default(DEFAULT_RESOLUTION)
    @Min(MIN_RESOLUTION)
    @Max(MAX_RESOLUTION)
    public Integer resolution = Integer.valueOf(DEFAULT_RESOLUTION);
    /** x264 constant rate factor of the MP4. */
    @Default(DEFAULT_CRF)
    @Min(0)
    @Max(MAX_CRF)
    public Integer crf = Integer.valueOf(DEFAULT_CRF);

    /**
     * What the CRD's schema and rules refuse in these settings (the bounds of {@link RenderTable}),
     * each problem naming its field as {@code fieldName} spells it (a resource path, a job file path,
     * a command-line option). Checked again by the operator (a cluster may skip CEL) and by the worker
     * (a job file or command line reaches it without the API server); a missing value is a problem
     * too: nothing defaults it there.
     */
    public List<String> problems(UnaryOperator<String> fieldName) {
        List<String> problems = new ArrayList<>();
        for (RenderTable.Setting setting : RenderTable.SETTINGS) {
            String problem = setting.problem(this);
            if (problem != null) {
                problems.add(fieldName.apply(setting.name()) + ": " + problem);
            }
        }
        if (cfgRescale != null && cfgRescale != 0.0 && (cfg == null || cfg <= 1.0)) {
            problems.add(fieldName.apply("cfgRescale") + ": only applies with real guidance: set cfg above 1 or cfgRescale to 0");
        }
        if (resolution != null && resolution % RESOLUTION_MULTIPLE != 0) {
            problems.add(fieldName.apply("resolution") + ": must be a multiple of " + RESOLUTION_MULTIPLE + " (got " + resolution + ")");
        }
        return problems;
    }

    /** Sampling order of the sections. */
    public enum Variant {
        /** FramePack anti-drifting: sections from the end of the video back to the start image. */
        inverted,
        /** FramePack-F1: sections forward in time. */
        f1
    }
}
