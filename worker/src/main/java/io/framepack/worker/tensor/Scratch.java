package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Step-sized memory scopes. PyTorch frees a temporary as soon as nothing refers to it; DJL frees
 * an array only when its manager closes. A step run here sees its operands temporarily attached
 * to a scratch manager, so every array derived from them lands there and is freed when the step
 * ends; only the step's result survives, in the first operand's manager. This keeps the GPU
 * holding one step's temporaries at a time (at 18 k tokens one fp32 copy of an MLP activation
 * is 0.9 GB), not a whole block's; in the VAE, one decoder activation at full size is gigabytes,
 * so a layer's intermediates must go as soon as the layer is done.
 */
public final class Scratch {
    private Scratch() {
    }

    /**
     * Runs {@code step}, keeping only its result. {@code operands} are the (distinct) arrays the
     * step's computations start from; arrays it derives from anything else stay where they land.
     */
    public static NDArray keep(Supplier<NDArray> step, NDArray... operands) {
        NDManager home = operands[0].getManager();
        try (NDManager scratch = home.newSubManager()) {
            for (NDArray operand : operands) {
                operand.tempAttach(scratch);
            }
            NDArray result = step.get();
            result.attach(home);
            return result;
        }
    }

    /** {@link #keep} for a layer of one input: runs {@code layer} on {@code x}, keeping only the output. */
    public static NDArray run(NDArray x, UnaryOperator<NDArray> layer) {
        return keep(() -> layer.apply(x), x);
    }

    /** Frees arrays whose last use has passed. */
    public static void free(NDArray... arrays) {
        for (NDArray array : arrays) {
            array.close();
        }
    }

    /** Frees {@code old}, an intermediate the caller produced and no longer needs, and returns {@code next}. */
    public static NDArray replace(NDArray old, NDArray next) {
        old.close();
        return next;
    }
}
