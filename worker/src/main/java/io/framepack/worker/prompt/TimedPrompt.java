package io.framepack.worker.prompt;

import java.util.OptionalDouble;

/**
 * One prompt of a timed prompt list as the user wrote it: active from {@code start} seconds of the
 * video, until {@code end} when given, otherwise until the next prompt starts (or the video ends).
 */
public record TimedPrompt(String text, double start, OptionalDouble end) {
    public TimedPrompt {
        if (text == null) {
            throw new IllegalArgumentException("a timed prompt needs a text");
        }
        if (!(start >= 0) || Double.isInfinite(start)) {
            throw new IllegalArgumentException("a timed prompt's start must be a finite number of seconds >= 0, got "
                    + start);
        }
        if (end.isPresent() && (!(end.getAsDouble() >= 0) || Double.isInfinite(end.getAsDouble()))) {
            throw new IllegalArgumentException("a timed prompt's end must be a finite number of seconds >= 0, got "
                    + end.getAsDouble());
        }
    }

    /** A prompt for the whole video. */
    public static TimedPrompt whole(String text) {
        return new TimedPrompt(text, 0, OptionalDouble.empty());
    }
}
