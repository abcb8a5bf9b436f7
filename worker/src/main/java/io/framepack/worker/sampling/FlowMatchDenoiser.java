package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;

/**
 * The official {@code fm_wrapper}: turns the velocity models into an x̂₀ predictor with real
 * classifier-free guidance and guidance rescale. The state is rounded to the model's dtype
 * before the forward and that rounded value is reused for {@code x̂₀ = x − v·σ}; the timestep
 * {@code σ·1000} is rounded to the model's dtype too (bfloat16 on the GPU, a no-op in float32).
 */
public final class FlowMatchDenoiser implements Denoiser {
    private static final float TIMESTEP_SCALE = 1000f;

    private final VelocityModel positive;
    private final VelocityModel negative;
    private final float cfg;
    private final double rescale;
    private final Numerics numerics;

    /**
     * @param positive the model under the positive pass's conditioning, context and guidance
     * @param negative the same for the negative pass; unused (may be null) when {@code cfg == 1}
     * @param cfg      real guidance scale; 1 skips the negative pass
     * @param rescale  guidance-rescale mix in [0, 1]
     */
    public FlowMatchDenoiser(VelocityModel positive, VelocityModel negative, double cfg, double rescale,
                             Numerics numerics) {
        if (cfg != 1.0 && negative == null) {
            throw new IllegalArgumentException("real CFG " + cfg + " needs negative conditioning");
        }
        this.positive = positive;
        this.negative = negative;
        this.cfg = (float) cfg;
        this.rescale = rescale;
        this.numerics = numerics;
    }

    /** A sampler scalar ({@code σ·1000}, {@code gs·1000}) as the model sees it: rounded to bfloat16 when it computes in bfloat16. */
    public static float quantise(float value, Precision precision) {
        return precision == Precision.BFLOAT16 ? BFloat16.round(value) : value;
    }

    /** The distilled-guidance input {@code [gs·1000]} of the transformer, quantised like the official code. */
    public static NDArray guidance(double distilledGuidance, Precision precision, NDManager manager) {
        return manager.create(new float[] {quantise((float) (distilledGuidance * 1000.0), precision)});
    }

    @Override
    public NDArray denoise(NDArray x, float sigma) {
        NDManager home = x.getManager();
        try (NDManager scratch = home.newSubManager()) {
            x.tempAttach(scratch);
            NDArray modelX = numerics.round(x);
            NDArray timestep = scratch.create(new float[] {quantise(sigma * TIMESTEP_SCALE, numerics.precision())});
            NDArray velocityPositive = positive.velocity(modelX, timestep);
            NDArray velocity = velocityPositive;
            if (cfg != 1f) {
                NDArray velocityNegative = negative.velocity(modelX, timestep);
                velocity = velocityNegative.add(velocityPositive.sub(velocityNegative).mul(cfg));
            }
            if (rescale != 0.0) {
                velocity = rescaled(velocity, velocityPositive);
            }
            NDArray x0 = numerics.toFloat32(modelX).sub(velocity.mul(sigma));
            x0.attach(home);
            return x0;
        }
    }

    /**
     * Guidance rescale: blend the guided velocity with itself rescaled to the positive
     * prediction's standard deviation (unbiased, over all elements of the single batch entry).
     */
    private NDArray rescaled(NDArray guided, NDArray positiveVelocity) {
        float ratio = unbiasedStd(positiveVelocity) / unbiasedStd(guided);
        NDArray matched = guided.mul(ratio);
        return matched.mul((float) rescale).add(guided.mul((float) (1.0 - rescale)));
    }

    /** libtorch's CPU {@code std} of a whole float tensor: two passes in double, rounded to float once. */
    private static float unbiasedStd(NDArray x) {
        NDArray wide = x.toType(DataType.FLOAT64, false);
        double mean = wide.mean().getDouble();
        double squares = wide.sub(mean).square().sum().getDouble();
        return (float) Math.sqrt(squares / (x.size() - 1));
    }
}
