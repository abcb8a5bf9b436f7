package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.tensor.Numerics;

/**
 * The conditioning vector {@code c} that modulates every block ({@code time_text_embed}):
 * {@code (MLP_t(sinusoid(t)) + MLP_g(sinusoid(g))) + MLP_pool(CLIP pooled)}, in that order.
 */
final class ConditioningEmbedder {
    private final Mlp timestep;
    private final Mlp guidance;
    private final Mlp pooledText;
    private final Numerics numerics;

    ConditioningEmbedder(ParameterReader params, TransformerConfig config, Numerics numerics) {
        int dim = config.innerDim();
        this.timestep = embedder(params.scope("timestep_embedder"), TimestepProjection.CHANNELS, dim, numerics);
        this.guidance = embedder(params.scope("guidance_embedder"), TimestepProjection.CHANNELS, dim, numerics);
        this.pooledText = embedder(params.scope("text_embedder"), config.pooledProjectionDim(), dim, numerics);
        this.numerics = numerics;
    }

    /** {@code Linear(in→d) → SiLU → Linear(d→d)}, the shape of every embedder here and in the refiner. */
    static Mlp embedder(ParameterReader params, int in, int dim, Numerics numerics) {
        return Mlp.load(params, "linear_1", "linear_2", in, dim, dim, Mlp.Activation.SILU, numerics);
    }

    /** {@code timestep, guidance [B]}, {@code pooled [B, P]} → {@code c [B, d]}. */
    NDArray forward(NDArray timestepValue, NDArray guidanceValue, NDArray pooled) {
        NDArray t = timestep.forward(numerics.round(TimestepProjection.project(timestepValue)));
        NDArray g = guidance.forward(numerics.round(TimestepProjection.project(guidanceValue)));
        return t.add(g).add(pooledText.forward(numerics.round(pooled)));
    }
}
