package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How a video is sampled. Defaults are those of the official FramePack demo, so an empty
 * {@code render:} section reproduces the demo's output for the same image, prompt and seed.
 * The operator hands this object to the worker unchanged.
 */
@ValidationRule(value = "self.cfgRescale == 0.0 || self.cfg > 1.0",
        message = "cfgRescale only applies with real guidance: set cfg above 1 or cfgRescale to 0")
@ValidationRule(value = "self.resolution % " + RenderSettings.RESOLUTION_MULTIPLE + " == 0",
        message = "resolution must be a multiple of " + RenderSettings.RESOLUTION_MULTIPLE)
public class RenderSettings {
    /** The largest integer every JSON reader keeps exactly (2^53 - 1). */
    public static final long MAX_SEED = 9_007_199_254_740_991L;
    public static final int MAX_SECONDS = 120;
    public static final int MIN_STEPS = 1;
    public static final int MAX_STEPS = 100;
    /** Bounds of both guidance scales. */
    public static final int MIN_GUIDANCE = 1;
    public static final int MAX_GUIDANCE = 32;
    public static final int MAX_LATENT_WINDOW = 33;
    public static final int MIN_RESOLUTION = 128;
    public static final int MAX_RESOLUTION = 1280;
    public static final int RESOLUTION_MULTIPLE = 16;
    public static final int MAX_CRF = 51;

    /** Requested duration; the section count is {@code round(seconds * 30 / (4 * latentWindowSize))}. */
    @Default("5")
    @Min(value = 0, inclusive = false)
    @Max(MAX_SECONDS)
    public Double seconds = 5.0;
    @Default("31337")
    @Min(0)
    @Max(MAX_SEED)
    public Long seed = 31337L;
    @Default("inverted")
    public Variant variant = Variant.inverted;
    @Default("25")
    @Min(MIN_STEPS)
    @Max(MAX_STEPS)
    public Integer steps = 25;
    /** Value fed to the guidance embedder (the demo's "Distilled CFG Scale"). */
    @Default("10")
    @Min(MIN_GUIDANCE)
    @Max(MAX_GUIDANCE)
    public Double distilledGuidance = 10.0;
    /** Real classifier-free guidance; 1 disables the negative pass. */
    @Default("1")
    @Min(MIN_GUIDANCE)
    @Max(MAX_GUIDANCE)
    public Double cfg = 1.0;
    /** Guidance rescale mix factor in [0, 1]. */
    @Default("0")
    @Min(0)
    @Max(1)
    public Double cfgRescale = 0.0;
    /** Latent frames generated per section. */
    @Default("9")
    @Min(1)
    @Max(MAX_LATENT_WINDOW)
    public Integer latentWindowSize = 9;
    public TeaCacheSettings teaCache = new TeaCacheSettings();
    /** Resolution bucket family; 640 is the table FramePack was trained with. */
    @Default("640")
    @Min(MIN_RESOLUTION)
    @Max(MAX_RESOLUTION)
    public Integer resolution = 640;
    /** x264 constant rate factor of the MP4. */
    @Default("16")
    @Min(0)
    @Max(MAX_CRF)
    public Integer crf = 16;

    /**
     * What the CRD's schema and rules refuse in these settings, each problem naming its field as
     * {@code fieldName} spells it (a resource path, a job file path, a command-line option). Checked
     * again by the operator (a cluster may skip CEL) and by the worker (a job file or command line
     * reaches it without the API server); a missing value is a problem too: nothing defaults it there.
     */
    public List<String> problems(UnaryOperator<String> fieldName) {
        List<String> problems = new ArrayList<>();
        if (seconds == null || !(seconds > 0 && seconds <= MAX_SECONDS)) {
            problems.add(fieldName.apply("seconds") + ": must be above 0 and at most " + MAX_SECONDS + " (got " + seconds + ")");
        }
        range(fieldName.apply("seed"), seed, 0, MAX_SEED, problems);
        if (variant == null) {
            problems.add(fieldName.apply("variant") + ": must be inverted or f1");
        }
        range(fieldName.apply("steps"), steps, MIN_STEPS, MAX_STEPS, problems);
        range(fieldName.apply("distilledGuidance"), distilledGuidance, MIN_GUIDANCE, MAX_GUIDANCE, problems);
        range(fieldName.apply("cfg"), cfg, MIN_GUIDANCE, MAX_GUIDANCE, problems);
        range(fieldName.apply("cfgRescale"), cfgRescale, 0, 1, problems);
        if (cfgRescale != null && cfgRescale != 0.0 && (cfg == null || cfg <= 1.0)) {
            problems.add(fieldName.apply("cfgRescale") + ": only applies with real guidance: set cfg above 1 or cfgRescale to 0");
        }
        range(fieldName.apply("latentWindowSize"), latentWindowSize, 1, MAX_LATENT_WINDOW, problems);
        range(fieldName.apply("resolution"), resolution, MIN_RESOLUTION, MAX_RESOLUTION, problems);
        if (resolution != null && resolution % RESOLUTION_MULTIPLE != 0) {
            problems.add(fieldName.apply("resolution") + ": must be a multiple of " + RESOLUTION_MULTIPLE + " (got " + resolution + ")");
        }
        range(fieldName.apply("crf"), crf, 0, MAX_CRF, problems);
        if (teaCache == null || teaCache.enabled == null) {
            problems.add(fieldName.apply("teaCache.enabled") + ": must be true or false");
        } else if (teaCache.threshold == null
                || !(teaCache.threshold > 0 && teaCache.threshold <= TeaCacheSettings.MAX_THRESHOLD)) {
            problems.add(fieldName.apply("teaCache.threshold") + ": must be above 0 and at most "
                    + TeaCacheSettings.MAX_THRESHOLD + " (got " + teaCache.threshold + ")");
        }
        return problems;
    }

    /** A missing or non-finite value is out of range too. */
    private static void range(String field, Number value, double min, double max, List<String> problems) {
        double v = value == null ? Double.NaN : value.doubleValue();
        if (!(v >= min && v <= max)) {
            problems.add(field + ": must be between " + format(min) + " and " + format(max) + " (got " + value + ")");
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** Sampling order of the sections. */
    public enum Variant {
        /** FramePack anti-drifting: sections from the end of the video back to the start image. */
        inverted,
        /** FramePack-F1: sections forward in time. */
        f1
    }
}
