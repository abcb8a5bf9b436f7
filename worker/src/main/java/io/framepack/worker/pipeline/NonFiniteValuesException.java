package io.framepack.worker.pipeline;

/**
 * A section computed NaN or infinite values (broken weights, an overflow): its video would be
 * black or noise. The section is dropped and the state keeps the last good one.
 */
public class NonFiniteValuesException extends RuntimeException {
    public NonFiniteValuesException(String message) {
        super(message);
    }
}
