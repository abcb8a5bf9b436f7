package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.nn.Norms;
import io.framepack.worker.tensor.Numerics;

/**
 * One block of the text token refiner ({@code HunyuanVideoIndividualTokenRefinerBlock}): masked
 * self-attention and a SiLU MLP, each added back through a gate computed from the refiner's
 * conditioning vector. No QK norm, no RoPE.
 */
final class TokenRefinerBlock {
    private static final float EPS = 1e-6f;

    private final NDArray norm1Weight;
    private final NDArray norm1Bias;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final NDArray norm2Weight;
    private final NDArray norm2Bias;
    private final Mlp ff;
    private final Linear gates;
    private final int heads;
    private final AdaLayerNorm adaNorm;
    private final Numerics numerics;

    TokenRefinerBlock(ParameterReader params, TransformerConfig config, AdaLayerNorm adaNorm, Numerics numerics) {
        this.adaNorm = adaNorm;
        int dim = config.innerDim();
        this.norm1Weight = params.tensor("norm1.weight", dim);
        this.norm1Bias = params.tensor("norm1.bias", dim);
        this.toQ = params.linear("attn.to_q", dim, dim);
        this.toK = params.linear("attn.to_k", dim, dim);
        this.toV = params.linear("attn.to_v", dim, dim);
        this.toOut = params.linear("attn.to_out.0", dim, dim);
        this.norm2Weight = params.tensor("norm2.weight", dim);
        this.norm2Bias = params.tensor("norm2.bias", dim);
        this.ff = Mlp.feedForward(params.scope("ff"), dim, (long) (dim * TransformerConfig.REFINER_MLP_RATIO),
                Mlp.Activation.SILU, numerics);
        this.gates = params.linear("norm_out.linear", dim, 2L * dim);
        this.heads = config.numAttentionHeads();
        this.numerics = numerics;
    }

    /** {@code x [B, L, d]}, conditioning {@code [B, d]}, boolean mask {@code [B, 1, L, L]}. */
    NDArray forward(NDArray x, NDArray conditioning, NDArray mask) {
        NDArray normed = Norms.layerNorm(x, norm1Weight, norm1Bias, EPS);
        NDArray attended = EncoderOps.mergeHeads(numerics.kernels().attention(EncoderOps.splitHeads(toQ.forward(normed), heads),
                EncoderOps.splitHeads(toK.forward(normed), heads), EncoderOps.splitHeads(toV.forward(normed), heads), mask));
        NDList gate = adaNorm.modulation(gates, conditioning, 2);
        NDArray h = x.add(toOut.forward(attended).mul(gate.get(0)));
        return h.add(ff.forward(Norms.layerNorm(h, norm2Weight, norm2Bias, EPS)).mul(gate.get(1)));
    }
}
