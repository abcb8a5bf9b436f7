package io.framepack.worker.runtime;

/**
 * Input that can never render: an unreadable image, impossible settings, missing or malformed
 * model files. The worker exits with {@link io.framepack.api.worker.ExitCode#INVALID_INPUT}, so
 * the Job is not retried.
 */
public class InvalidInputException extends RuntimeException {
    /** Machine-readable reasons, as in {@link io.framepack.api.worker.WorkerProgress#reason}. */
    public static final String INPUT = "InvalidInput";
    public static final String MODEL = "InvalidModel";
    /** A LoRA that is no safetensors file, or does not fit the transformer. */
    public static final String LORA = "InvalidLora";

    private final String reason;

    public InvalidInputException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public InvalidInputException(String reason, String message) {
        this(reason, message, null);
    }

    public String reason() {
        return reason;
    }
}
