package io.framepack.worker.prompt;

/** A timed prompt text that does not follow the {@code [Ns: text]} / {@code [Ns-Ms: text]} syntax. */
public final class TimedPromptException extends IllegalArgumentException {
    TimedPromptException(String message) {
        super(message);
    }
}
