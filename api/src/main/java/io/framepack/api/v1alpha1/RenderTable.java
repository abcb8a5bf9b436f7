package io.framepack.api.v1alpha1;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What a render takes: every render setting's name, default and bounds, said once. The CRD's
 * annotations on {@link RenderSettings} and the worker's command-line options read the constants
 * (annotations take only compile-time constants, so defaults are text, as the CRD writes them);
 * {@link RenderSettings#problems} checks against {@link #SETTINGS}, and a test holds the operator
 * doc's table to it. Defaults are those of the official FramePack demo.
 */
public final class RenderTable {
    public static final String DEFAULT_SECONDS = "5";
    public static final int MAX_SECONDS = 120;
    public static final String DEFAULT_SEED = "31337";
    /** The largest integer every JSON reader keeps exactly (2^53 - 1). */
    public static final long MAX_SEED = 9_007_199_254_740_991L;
    public static final String DEFAULT_VARIANT = "inverted";
    public static final String DEFAULT_STEPS = "25";
    public static final int MIN_STEPS = 1;
    public static final int MAX_STEPS = 100;
    public static final String DEFAULT_DISTILLED_GUIDANCE = "10";
    public static final String DEFAULT_CFG = "1";
    /** Bounds of both guidance scales. */
    public static final int MIN_GUIDANCE = 1;
    public static final int MAX_GUIDANCE = 32;
    public static final String DEFAULT_CFG_RESCALE = "0";
    public static final int MAX_CFG_RESCALE = 1;
    public static final String DEFAULT_LATENT_WINDOW_SIZE = "9";
    public static final int MIN_LATENT_WINDOW = 1;
    public static final int MAX_LATENT_WINDOW = 33;
    public static final String DEFAULT_TEACACHE = "true";
    public static final String DEFAULT_TEACACHE_THRESHOLD = "0.15";
    public static final int MAX_TEACACHE_THRESHOLD = 1;
    public static final String DEFAULT_RESOLUTION = "640";
    public static final int MIN_RESOLUTION = 128;
    public static final int MAX_RESOLUTION = 1280;
    public static final int RESOLUTION_MULTIPLE = 16;
    public static final String DEFAULT_CRF = "16";
    public static final int MAX_CRF = 51;

    /** Every render setting, in the order its problems are reported; nested ones are named {@code section.field}. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting("seconds", DEFAULT_SECONDS, Bounds.aboveZero(MAX_SECONDS), s -> s.seconds),
            new Setting("seed", DEFAULT_SEED, Bounds.between(0, MAX_SEED), s -> s.seed),
            new Setting("variant", DEFAULT_VARIANT, new Choices(Arrays.stream(RenderSettings.Variant.values())
                    .map(Enum::name).toList()), s -> s.variant),
            new Setting("steps", DEFAULT_STEPS, Bounds.between(MIN_STEPS, MAX_STEPS), s -> s.steps),
            new Setting("distilledGuidance", DEFAULT_DISTILLED_GUIDANCE, Bounds.between(MIN_GUIDANCE, MAX_GUIDANCE),
                    s -> s.distilledGuidance),
            new Setting("cfg", DEFAULT_CFG, Bounds.between(MIN_GUIDANCE, MAX_GUIDANCE), s -> s.cfg),
            new Setting("cfgRescale", DEFAULT_CFG_RESCALE, Bounds.between(0, MAX_CFG_RESCALE), s -> s.cfgRescale),
            new Setting("latentWindowSize", DEFAULT_LATENT_WINDOW_SIZE, Bounds.between(MIN_LATENT_WINDOW,
                    MAX_LATENT_WINDOW), s -> s.latentWindowSize),
            new Setting("resolution", DEFAULT_RESOLUTION, Bounds.between(MIN_RESOLUTION, MAX_RESOLUTION),
                    s -> s.resolution),
            new Setting("crf", DEFAULT_CRF, Bounds.between(0, MAX_CRF), s -> s.crf),
            new Setting("teaCache.enabled", DEFAULT_TEACACHE, new Choices(List.of("true", "false")),
                    s -> s.teaCache == null ? null : s.teaCache.enabled),
            new Setting("teaCache.threshold", DEFAULT_TEACACHE_THRESHOLD, Bounds.aboveZero(MAX_TEACACHE_THRESHOLD),
                    s -> s.teaCache == null ? null : s.teaCache.threshold));

    private RenderTable() {
    }

    /**
     * One render setting.
     *
     * @param name         the field's path in {@code spec.render}
     * @param defaultValue as the CRD and the command line write it
     * @param value        reads the setting; null when it is missing
     */
    public record Setting(String name, String defaultValue, Bounds bounds, Function<RenderSettings, Object> value) {

        /** What is wrong with this setting in {@code settings}, null if nothing; the message follows its name. */
        String problem(RenderSettings settings) {
            Object given = value.apply(settings);
            return bounds.accepts(given) ? null : "must be " + bounds.describe() + bounds.showing(given);
        }
    }

    /** The values a setting accepts; a missing one is never among them. */
    public sealed interface Bounds {
        boolean accepts(Object value);

        /** What is accepted, as a problem message says it after "must be". */
        String describe();

        /** How a problem message shows a refused value. */
        String showing(Object value);

        static Bounds between(double min, double max) {
            return new Range(min, false, max);
        }

        static Bounds aboveZero(double max) {
            return new Range(0, true, max);
        }
    }

    /** Numbers from {@code min} (or above it) to {@code max}; a non-finite one is out of range. */
    public record Range(double min, boolean aboveMin, double max) implements Bounds {
        @Override
        public boolean accepts(Object value) {
            double v = value instanceof Number number ? number.doubleValue() : Double.NaN;
            return (aboveMin ? v > min : v >= min) && v <= max;
        }

        @Override
        public String describe() {
            return (aboveMin ? "above " + format(min) + " and at most " : "between " + format(min) + " and ") + format(max);
        }

        @Override
        public String showing(Object value) {
            return " (got " + value + ")";
        }

        private static String format(double value) {
            return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
        }
    }

    /** One of a few names (an enum's constants, true or false). */
    public record Choices(List<String> names) implements Bounds {
        @Override
        public boolean accepts(Object value) {
            return value != null && names.contains(value.toString());
        }

        @Override
        public String describe() {
            return String.join(" or ", names);
        }

        /** Only a missing value reaches the check: JSON and the command line refuse any other name before. */
        @Override
        public String showing(Object value) {
            return "";
        }
    }
}
