package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * TeaCache step skipping as built into the official model: each call measures how much the
 * modulated input of the first block moved since the previous call (relative L1), maps that
 * through a fitted polynomial and accumulates it; while the sum stays under the threshold the
 * blocks are skipped and the image tokens get the residual the last computed call added. The
 * first and last step of a section are always computed. One instance covers one section: it
 * assumes exactly one call per sampler step.
 */
final class TeaCache implements AutoCloseable {
    /** The official rescaling polynomial, highest degree first ({@code np.poly1d}). */
    private static final double[] RESCALE = {7.33226126e+02, -4.01131952e+02, 6.75869174e+01, -3.14987800e+00,
            9.61237896e-02};

    private final int steps;
    private final double threshold;
    private final NDManager state;
    private int count;
    private int skipped;
    private double accumulated;
    private NDArray previousModulated;
    private NDArray previousResidual;

    TeaCache(int steps, double threshold, NDManager parent) {
        if (steps < 1) {
            throw new IllegalArgumentException("TeaCache needs the number of steps, got " + steps);
        }
        this.steps = steps;
        this.threshold = threshold;
        this.state = parent.newSubManager();
    }

    /**
     * Whether this call must run the blocks, given the first block's modulated image input;
     * advances the step counter.
     */
    boolean shouldCompute(NDArray modulated) {
        boolean compute;
        if (count == 0 || count == steps - 1) {
            compute = true;
            accumulated = 0;
        } else {
            accumulated += rescale(relativeL1(modulated, previousModulated));
            compute = accumulated >= threshold;
            if (compute) {
                accumulated = 0;
            }
        }
        replacePreviousModulated(modulated);
        count = (count + 1) % steps;
        if (!compute) {
            skipped++;
        }
        return compute;
    }

    /** How many calls since this cache was created skipped the blocks. */
    int skipped() {
        return skipped;
    }

    /** The image tokens a skipped call produces: its input plus the last computed residual. */
    NDArray reuse(NDArray image) {
        return image.add(previousResidual);
    }

    /** Records what the blocks added to the image tokens in a computed call. */
    void rememberResidual(NDArray residual) {
        if (previousResidual != null) {
            previousResidual.close();
        }
        residual.attach(state);
        previousResidual = residual;
    }

    private void replacePreviousModulated(NDArray modulated) {
        if (previousModulated != null) {
            previousModulated.close();
        }
        modulated.attach(state);
        previousModulated = modulated;
    }

    /**
     * {@code mean|a − b| / mean|b|}, with the reductions and the division in the compute dtype
     * (bfloat16 on the GPU, as the official code): the skip pattern depends on those roundings. The
     * temporaries are freed here: {@code |b|} would otherwise join the section-long state, one
     * image-token-sized array per step (2.6 GiB over a 25-step section at 640x640).
     */
    private double relativeL1(NDArray current, NDArray previous) {
        try (NDManager scratch = state.newSubManager()) {
            scratch.tempAttachAll(current, previous);
            NDArray ratio = current.sub(previous).abs().mean().div(previous.abs().mean());
            return ratio.toType(DataType.FLOAT32, false).toFloatArray()[0];
        }
    }

    /** Horner's rule in float64, as {@code np.polyval}. */
    static double rescale(double x) {
        double y = 0;
        for (double coefficient : RESCALE) {
            y = y * x + coefficient;
        }
        return y;
    }

    @Override
    public void close() {
        state.close();
    }
}
