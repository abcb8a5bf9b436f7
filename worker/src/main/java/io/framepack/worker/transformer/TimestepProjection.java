package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The 256-channel sinusoid of a timestep or guidance value ({@code Timesteps(256,
 * flip_sin_to_cos=True, downscale_freq_shift=0)}), in float32: {@code [cos(t·ω_k) | sin(t·ω_k)]}
 * with {@code ω_k = exp(−ln(10000)·k/128)}.
 */
final class TimestepProjection {
    static final int CHANNELS = 256;
    private static final int HALF = CHANNELS / 2;
    private static final float[] FREQUENCIES = frequencies();

    private TimestepProjection() {
    }

    /**
     * {@code ω_k} with the exponent in float32, as the official code computes it, and the exponential
     * rounded correctly. Guidance values reach 10⁴, so one ulp of {@code ω} moves an angle by
     * ~10⁻³ rad: libtorch builds disagree in that last bit, and the correctly rounded value is
     * the one that matches the golden forwards (relative error 1.0e-5 instead of 2.5e-5).
     */
    private static float[] frequencies() {
        float[] omega = new float[HALF];
        float logPeriod = (float) -Math.log(10000.0);
        for (int k = 0; k < HALF; k++) {
            omega[k] = (float) Math.exp(logPeriod * k / HALF);
        }
        return omega;
    }

    /** {@code values [B]} → {@code [B, 256]} float32. */
    static NDArray project(NDArray values) {
        NDArray omega = values.getManager().create(FREQUENCIES).expandDims(0);
        NDArray angles = values.toType(DataType.FLOAT32, false).expandDims(1).mul(omega);
        return angles.cos().concat(angles.sin(), 1);
    }
}
