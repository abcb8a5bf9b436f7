package io.framepack.worker.prompt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses FramePack-Studio's timed prompt syntax ({@code modules/prompt_handler.py},
 * {@code parse_timestamped_prompt}): {@code [3s: text]} starts a prompt at 3 s, {@code [2s-4.5s: text]}
 * gives it an end too; text outside the brackets is a prompt for the whole video; a text without
 * brackets is one prompt. The result is sorted by start, as the reference sorts it (stable).
 *
 * <p>Where the reference quietly keeps a malformed bracket as prompt text ({@code [0s: unclosed},
 * {@code [x: text]}, {@code [.5s: text]}, a {@code [} inside a prompt), this parser refuses the text
 * and says where, so that a typo never turns into words the model is conditioned on.
 */
public final class TimedPromptParser {
    /** The reference's pattern with ASCII digits and, unlike it, prompt texts that span lines. */
    private static final Pattern GROUP = Pattern.compile(
            "([0-9]+(?:\\.[0-9]+)?)s(?:-([0-9]+(?:\\.[0-9]+)?)s)?\\s*:\\s*(.*)",
            Pattern.DOTALL | Pattern.UNICODE_CHARACTER_CLASS);

    private TimedPromptParser() {
    }

    public static List<TimedPrompt> parse(String text) {
        if (text == null) {
            throw new TimedPromptException("no prompt text");
        }
        List<TimedPrompt> prompts = new ArrayList<>();
        StringBuilder outside = new StringBuilder();
        int position = 0;
        while (position < text.length()) {
            int open = text.indexOf('[', position);
            int close = text.indexOf(']', position);
            if (close >= 0 && (open < 0 || close < open)) {
                throw new TimedPromptException("']' at character " + close + " closes no '['");
            }
            if (open < 0) {
                outside.append(text, position, text.length());
                break;
            }
            if (close < 0) {
                throw new TimedPromptException("'[' at character " + open + " is never closed with ']'");
            }
            int nested = text.indexOf('[', open + 1);
            if (nested >= 0 && nested < close) {
                throw new TimedPromptException("'[' at character " + nested + " opens inside the timed prompt at "
                        + "character " + open + "; close that one with ']' first");
            }
            outside.append(text, position, open);
            prompts.add(group(text.substring(open + 1, close), open));
            position = close + 1;
        }
        String rest = outside.toString().strip();
        if (prompts.isEmpty()) {
            return List.of(TimedPrompt.whole(rest));
        }
        if (!rest.isEmpty()) {
            prompts.add(TimedPrompt.whole(rest));
        }
        prompts.sort(Comparator.comparingDouble(TimedPrompt::start));
        return List.copyOf(prompts);
    }

    private static TimedPrompt group(String body, int at) {
        Matcher m = GROUP.matcher(body);
        if (!m.matches()) {
            throw new TimedPromptException("'[" + abbreviate(body) + "]' at character " + at
                    + " is not a timed prompt: write [3s: text] or [2s-4.5s: text]");
        }
        double start = seconds(m.group(1), at);
        OptionalDouble end = m.group(2) == null ? OptionalDouble.empty() : OptionalDouble.of(seconds(m.group(2), at));
        return new TimedPrompt(m.group(3).strip(), start, end);
    }

    private static double seconds(String digits, int at) {
        double value = Double.parseDouble(digits);
        if (Double.isInfinite(value)) {
            throw new TimedPromptException("the time " + abbreviate(digits) + "s at character " + at + " is too large");
        }
        return value;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
