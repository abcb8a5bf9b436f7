package io.framepack.worker.prompt;

/**
 * A prompt's time span as the sections see it: seconds measured in generation order, so from the
 * video's end for the inverted schedule, snapped to section boundaries.
 */
public record PromptSpan(String text, double start, double end) {
    boolean holds(double time) {
        return start <= time && time < end;
    }
}
