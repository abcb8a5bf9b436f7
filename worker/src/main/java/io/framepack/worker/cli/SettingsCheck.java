package io.framepack.worker.cli;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.TimedPromptSpec;
import io.framepack.worker.runtime.InvalidInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Every setting of a render checked once, before any file is read or model loaded, with the
 * CRD's bounds (from api): all problems are reported together, each naming its setting.
 */
final class SettingsCheck {
    private final List<String> problems = new ArrayList<>();

    SettingsCheck render(RenderSettings settings, UnaryOperator<String> name) {
        problems.addAll(settings.problems(name));
        return this;
    }

    /** Timed prompts, with the API's rules (see {@link TimedPromptSpec#problems}). */
    SettingsCheck timedPrompts(String name, List<TimedPromptSpec> prompts, double seconds) {
        problems.addAll(TimedPromptSpec.problems(prompts, seconds, name));
        return this;
    }

    /**
     * An end image's strength (0 to 1) and sampling: inverted only, F1 has no end frame. {@code name}
     * names the end image's setting, {@code strengthName} its strength's.
     */
    SettingsCheck endImage(String name, String strengthName, Double strength, RenderSettings.Variant variant) {
        if (strength != null && !(strength >= 0 && strength <= 1)) {
            problems.add(strengthName + ": must be between 0 and 1 (got " + strength + ")");
        }
        if (variant == RenderSettings.Variant.f1) {
            problems.add(name + ": needs inverted sampling (F1 renders forward from the start image and has no end frame)");
        }
        return this;
    }

    SettingsCheck range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            problems.add(name + ": must be between " + min + " and " + max + " (got " + value + ")");
        }
        return this;
    }

    /** An integer setting given as text (an environment variable); {@code fallback} when absent. */
    int integer(String name, String text, int fallback, int min, int max) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.strip());
            range(name, value, min, max);
            return value;
        } catch (NumberFormatException e) {
            problems.add(name + ": must be a whole number between " + min + " and " + max + " (got '" + text + "')");
            return fallback;
        }
    }

    /** A prompt: present and at most {@code max} characters (code points, as the API server counts). */
    SettingsCheck text(String name, String value, int max) {
        if (value == null) {
            problems.add(name + ": required");
        } else if (value.codePointCount(0, value.length()) > max) {
            problems.add(name + ": at most " + max + " characters (got " + value.codePointCount(0, value.length()) + ")");
        }
        return this;
    }

    SettingsCheck device(String name, String device) {
        if (device != null && !device.isBlank() && !device.equals("cpu") && !device.equals("gpu")) {
            problems.add(name + ": must be cpu or gpu (got '" + device + "')");
        }
        return this;
    }

    void orThrow() {
        if (!problems.isEmpty()) {
            throw new InvalidInputException(InvalidInputException.INPUT, "invalid settings: " + String.join("; ", problems));
        }
    }
}
