package io.framepack.worker.tensor;

/** A weights or tensor file that is missing, truncated, or not what its header or config says. */
public class TensorFormatException extends RuntimeException {
    public TensorFormatException(String message) {
        super(message);
    }
}
