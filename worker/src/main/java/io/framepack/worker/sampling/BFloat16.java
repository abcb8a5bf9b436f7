package io.framepack.worker.sampling;

/**
 * bfloat16 rounding of scalars, as {@code torch.tensor(v).to(torch.bfloat16)} does it: keep the
 * top 16 bits of the float, rounding to nearest with ties to even. The sampler quantises its
 * timestep and distilled-guidance scalars this way when the model computes in bfloat16
 * (σ·1000 = 994.08 becomes 996, guidance 10 000 becomes 9984); DJL cannot create bfloat16 arrays,
 * and these values are needed as plain floats anyway.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    /** {@code value} rounded to the nearest bfloat16, returned as the float of the same value. */
    public static float round(float value) {
        if (Float.isNaN(value)) {
            return Float.NaN;
        }
        int bits = Float.floatToRawIntBits(value);
        int lowestKeptBit = (bits >>> 16) & 1;
        bits += 0x7FFF + lowestKeptBit;
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }
}
