package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.nn.Activations;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scratch;

import java.util.function.UnaryOperator;

/**
 * {@code Linear → activation → Linear}: the timestep/guidance/text embedders, the SigLIP image
 * projection and every feed-forward of the model share this shape and differ only in names,
 * widths and activation.
 */
final class Mlp {
    /** The two activations the transformer uses; both are fused (one rounding) in PyTorch. */
    enum Activation {
        SILU(Activations::silu),
        GELU_TANH(Activations::geluTanh);

        private final UnaryOperator<NDArray> op;

        Activation(UnaryOperator<NDArray> op) {
            this.op = op;
        }
    }

    private final Linear first;
    private final Linear second;
    private final Activation activation;
    private final Numerics numerics;

    private Mlp(Linear first, Linear second, Activation activation, Numerics numerics) {
        this.first = first;
        this.second = second;
        this.activation = activation;
        this.numerics = numerics;
    }

    /** Embedders and the image projection: {@code firstName [hidden, in]}, {@code secondName [out, hidden]}. */
    static Mlp load(ParameterReader params, String firstName, String secondName, long in, long hidden, long out,
                    Activation activation, Numerics numerics) {
        return new Mlp(params.linear(firstName, in, hidden), params.linear(secondName, hidden, out),
                activation, numerics);
    }

    /** A diffusers {@code FeedForward} ({@code net.0.proj}, {@code net.2}) of width {@code hidden}. */
    static Mlp feedForward(ParameterReader params, long dim, long hidden, Activation activation, Numerics numerics) {
        return load(params, "net.0.proj", "net.2", dim, hidden, dim, activation, numerics);
    }

    /** The hidden activations (4× wider than the model) are freed as soon as they are used up. */
    NDArray forward(NDArray x) {
        NDArray hidden = Scratch.keep(() -> activate(activation, first.forward(x), numerics), x);
        NDArray out = second.forward(hidden);
        hidden.close();
        return out;
    }

    /**
     * {@code activation(x)} as PyTorch's fused kernel computes it: the kernel pack's fused GELU
     * where it has one (the MLP activations are the largest arrays of a forward), otherwise
     * composed in float32 and rounded once.
     */
    static NDArray activate(Activation activation, NDArray x, Numerics numerics) {
        if (activation == Activation.GELU_TANH && numerics.kernels().supportsGeluTanh()) {
            return numerics.kernels().geluTanh(x);
        }
        return numerics.inFloat32(x, activation.op);
    }
}
