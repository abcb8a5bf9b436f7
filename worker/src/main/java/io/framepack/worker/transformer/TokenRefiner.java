package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Numerics;

import java.util.ArrayList;
import java.util.List;

/**
 * The text token refiner ({@code context_embedder}, {@code HunyuanVideoTokenRefiner}): projects the
 * LLaMA states to the model width and refines them with bidirectional self-attention, conditioned
 * on the timestep and the mask-weighted mean of the raw states.
 */
final class TokenRefiner {
    private final Mlp timestep;
    private final Mlp pooledText;
    private final Linear projIn;
    private final List<TokenRefinerBlock> blocks = new ArrayList<>();
    private final Numerics numerics;

    TokenRefiner(ParameterReader params, TransformerConfig config, AdaLayerNorm adaNorm, Numerics numerics) {
        int dim = config.innerDim();
        ParameterReader embed = params.scope("time_text_embed");
        this.timestep = ConditioningEmbedder.embedder(embed.scope("timestep_embedder"),
                TimestepProjection.CHANNELS, dim, numerics);
        this.pooledText = ConditioningEmbedder.embedder(embed.scope("text_embedder"), config.textEmbedDim(), dim, numerics);
        this.projIn = params.linear("proj_in", config.textEmbedDim(), dim);
        for (int i = 0; i < config.numRefinerLayers(); i++) {
            blocks.add(new TokenRefinerBlock(params.scope("token_refiner.refiner_blocks." + i), config, adaNorm, numerics));
        }
        this.numerics = numerics;
    }

    /** Text states {@code [B, L, text_dim]} (compute dtype), timestep {@code [B]}, mask {@code [B, L]} → {@code [B, L, d]}. */
    NDArray forward(NDArray text, NDArray timestepValue, NDArray mask) {
        NDArray weights = mask.toType(DataType.FLOAT32, false).expandDims(-1);
        NDArray pooled = numerics.toFloat32(text).mul(weights).sum(new int[] {1}).div(weights.sum(new int[] {1}));
        NDArray conditioning = timestep.forward(numerics.round(TimestepProjection.project(timestepValue)))
                .add(pooledText.forward(numerics.round(pooled)));
        NDArray x = projIn.forward(text);
        NDArray attentionMask = selfAttentionMask(mask);
        for (TokenRefinerBlock block : blocks) {
            x = block.forward(x, conditioning, attentionMask);
        }
        return x;
    }

    /**
     * {@code A[i, j] = (m_i ∧ m_j) ∨ j = 0}, {@code [B, 1, L, L]}: valid tokens see valid tokens,
     * and every row also sees token 0, so padded rows have something to attend to and stay finite.
     */
    static NDArray selfAttentionMask(NDArray mask) {
        long batch = mask.getShape().get(0);
        long length = mask.getShape().get(1);
        NDArray valid = mask.toType(DataType.BOOLEAN, false);
        NDArray pairs = valid.reshape(batch, 1, 1, length).logicalAnd(valid.reshape(batch, 1, length, 1));
        boolean[] firstKey = new boolean[(int) length];
        firstKey[0] = true;
        NDArray firstColumn = mask.getManager().create(firstKey).reshape(1, 1, 1, length);
        return pairs.logicalOr(firstColumn);
    }
}
