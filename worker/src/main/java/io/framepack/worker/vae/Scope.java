package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * Frees a layer's intermediate activations as soon as the layer is done: at full size one
 * decoder activation is gigabytes, so keeping them until the whole decode ends is not an option.
 */
final class Scope {
    private Scope() {
    }

    /**
     * Runs {@code layer} with {@code x} temporarily attached to a fresh sub-manager (DJL attaches
     * every result to its first input's manager), then keeps only the output.
     */
    static NDArray run(NDArray x, UnaryOperator<NDArray> layer) {
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.tempAttach(scope);
            NDArray out = layer.apply(x);
            out.attach(owner);
            return out;
        }
    }

    /** Frees {@code old}, an intermediate the caller produced and no longer needs, and returns {@code next}. */
    static NDArray replace(NDArray old, NDArray next) {
        old.close();
        return next;
    }
}
