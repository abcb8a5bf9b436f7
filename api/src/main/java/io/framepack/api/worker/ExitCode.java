package io.framepack.api.worker;

/**
 * Worker process exit codes. The operator's Job {@code podFailurePolicy} keys on them:
 * {@link #INVALID_INPUT} fails the Job at once, everything else but success counts against
 * {@code backoffLimit} unless the pod was disrupted.
 */
public enum ExitCode {
    SUCCESS(0),
    /** Unexpected error; a retry may succeed. */
    FAILURE(1),
    /** The command line is wrong (unknown option, a value of the wrong type); the usage is printed. */
    USAGE(2),
    /** Bad image, prompt, settings, model files or checkpoint identity: never worth a retry. */
    INVALID_INPUT(65),
    /** Stopped by SIGTERM after a clean stop; the last finished section is checkpointed. */
    TERMINATED(75);

    public final int code;

    ExitCode(int code) {
        this.code = code;
    }
}
