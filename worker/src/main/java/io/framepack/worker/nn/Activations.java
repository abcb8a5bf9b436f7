package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;

/** The activations of HunyuanVideo and its encoders, written out so their exact form is visible. */
public final class Activations {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    private Activations() {
    }

    /** {@code x · sigmoid(x)}. */
    public static NDArray silu(NDArray x) {
        return x.mul(ai.djl.nn.Activation.sigmoid(x));
    }

    /** GELU, tanh approximation (transformer blocks, SigLIP). */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul(SQRT_2_OVER_PI);
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    /** GELU with the exact error function. */
    public static NDArray gelu(NDArray x) {
        return ai.djl.nn.Activation.gelu(x);
    }

    /** {@code x · sigmoid(1.702 x)}, CLIP's quick GELU. */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(ai.djl.nn.Activation.sigmoid(x.mul(1.702f)));
    }
}
