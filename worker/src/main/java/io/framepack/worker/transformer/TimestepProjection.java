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
    private static final float MAX_PERIOD = 10000f;

    private TimestepProjection() {
    }

    /** {@code values [B]} → {@code [B, 256]} float32. */
    static NDArray project(NDArray values) {
        NDArray exponent = values.getManager().arange(0, HALF, 1, DataType.FLOAT32)
                .mul((float) -Math.log(MAX_PERIOD)).div((float) HALF);
        NDArray angles = values.toType(DataType.FLOAT32, false).expandDims(1).mul(exponent.exp().expandDims(0));
        return angles.cos().concat(angles.sin(), 1);
    }
}
