package io.framepack.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/**
 * One prompt of {@code spec.input.prompts}: it conditions the video from {@code start} until the
 * next prompt's start (the last one until the end). The worker job carries it as is.
 */
public class TimedPromptSpec {
    @Required
    @Size(max = Formats.PROMPT_START_MAX)
    @ValidationRule(value = "self.matches(r'" + Formats.PROMPT_START + "')", messageExpression = Formats.SHOW_START
            + "spec.input.prompts[].start must be seconds with the unit, like 0s or 2.5s (at most 3 decimals)"
            + Formats.SHOW_END)
    public String start;

    @Required
    @Size(max = Formats.TIMED_PROMPT_TEXT_MAX)
    @ValidationRule(value = "self.matches(r'" + Formats.NOT_BLANK + "')",
            message = "spec.input.prompts[].text must describe the motion: it is empty or only white space")
    public String text;

    public TimedPromptSpec() {
    }

    public TimedPromptSpec(String start, String text) {
        this.start = start;
        this.text = text;
    }

    /**
     * Everything wrong with a prompt list, each problem naming its entry ({@code field[i]}): the
     * schema's bounds, and what the schema cannot say: the first starts at 0 s, starts strictly
     * increase, and each starts before the video's end ({@code seconds}).
     */
    public static List<String> problems(List<TimedPromptSpec> prompts, double seconds, String field) {
        List<String> problems = new ArrayList<>();
        if (prompts.isEmpty() || prompts.size() > Formats.TIMED_PROMPTS_MAX) {
            problems.add(field + ": give 1 to " + Formats.TIMED_PROMPTS_MAX + " prompts (got " + prompts.size() + ")");
            return problems;
        }
        double previous = -1;
        String latest = null;
        for (int i = 0; i < prompts.size(); i++) {
            String entry = field + "[" + i + "]";
            TimedPromptSpec prompt = prompts.get(i);
            if (prompt == null) {
                problems.add(entry + ": required");
                continue;
            }
            if (Formats.isBlank(prompt.text)) {
                problems.add(entry + ".text: required, and more than white space");
            } else if (prompt.text.codePointCount(0, prompt.text.length()) > Formats.TIMED_PROMPT_TEXT_MAX) {
                problems.add(entry + ".text: at most " + Formats.TIMED_PROMPT_TEXT_MAX + " characters");
            }
            if (prompt.start == null || !prompt.start.matches(Formats.PROMPT_START)) {
                problems.add(entry + ".start: must be seconds with the unit, like 0s or 2.5s (at most 3 decimals), got '"
                        + shown(prompt.start) + "'");
                continue;
            }
            double start = prompt.startSeconds();
            if (i == 0 && start != 0) {
                problems.add(entry + ".start: the first prompt must start at 0s, got " + prompt.start);
            } else if (i > 0 && start <= previous) {
                problems.add(entry + ".start: starts must increase strictly, but " + prompt.start
                        + " does not come after " + latest);
            } else if (start >= seconds) {
                problems.add(entry + ".start: " + prompt.start + " is not before the video's end (" + seconds + " s)");
            }
            if (start > previous) {
                previous = start;
                latest = prompt.start;
            }
        }
        return problems;
    }

    /** The start in seconds; {@link Formats#PROMPT_START} is checked first. */
    @JsonIgnore
    public double startSeconds() {
        if (start == null || !start.matches(Formats.PROMPT_START)) {
            throw new IllegalArgumentException("a timed prompt's start must be seconds with the unit, like 0s or 2.5s, got '"
                    + start + "'");
        }
        return Double.parseDouble(start.substring(0, start.length() - 1));
    }

    /** A hostile value, short enough for a status message. */
    private static String shown(String value) {
        return value == null || value.length() <= Formats.PROMPT_START_MAX * 2 ? String.valueOf(value)
                : value.substring(0, Formats.PROMPT_START_MAX * 2) + "...";
    }
}
