package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.framepack.worker.nn.Linear;

/**
 * A dual-stream block ({@code HunyuanVideoTransformerBlock}, MM-DiT style): image tokens and
 * context tokens keep separate weights for modulation, projections and MLPs, but attend jointly
 * over the concatenated sequence. Only image tokens get RoPE.
 */
final class DualStreamBlock {
    private final Linear norm1;
    private final Linear norm1Context;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final NDArray normQ;
    private final NDArray normK;
    private final Linear addQ;
    private final Linear addK;
    private final Linear addV;
    private final NDArray normAddedQ;
    private final NDArray normAddedK;
    private final Linear toOut;
    private final Linear toAddOut;
    private final Mlp ff;
    private final Mlp ffContext;
    private final int heads;
    private final AdaLayerNorm adaNorm;
    private final Numerics numerics;

    DualStreamBlock(ParameterReader params, TransformerConfig config, AdaLayerNorm adaNorm, Numerics numerics) {
        this.adaNorm = adaNorm;
        int dim = config.innerDim();
        int headDim = config.attentionHeadDim();
        this.norm1 = params.linear("norm1.linear", dim, 6L * dim);
        this.norm1Context = params.linear("norm1_context.linear", dim, 6L * dim);
        ParameterReader attn = params.scope("attn");
        this.toQ = attn.linear("to_q", dim, dim);
        this.toK = attn.linear("to_k", dim, dim);
        this.toV = attn.linear("to_v", dim, dim);
        this.normQ = attn.tensor("norm_q.weight", headDim);
        this.normK = attn.tensor("norm_k.weight", headDim);
        this.addQ = attn.linear("add_q_proj", dim, dim);
        this.addK = attn.linear("add_k_proj", dim, dim);
        this.addV = attn.linear("add_v_proj", dim, dim);
        this.normAddedQ = attn.tensor("norm_added_q.weight", headDim);
        this.normAddedK = attn.tensor("norm_added_k.weight", headDim);
        this.toOut = attn.linear("to_out.0", dim, dim);
        this.toAddOut = attn.linear("to_add_out", dim, dim);
        this.ff = Mlp.feedForward(params.scope("ff"), dim, config.mlpDim(), Mlp.Activation.GELU_TANH, numerics);
        this.ffContext = Mlp.feedForward(params.scope("ff_context"), dim, config.mlpDim(),
                Mlp.Activation.GELU_TANH, numerics);
        this.heads = config.numAttentionHeads();
        this.numerics = numerics;
    }

    /**
     * The modulated image input {@code LN(x)·(1 + scale) + shift} of this block's attention:
     * TeaCache's probe of how much the input changed between steps.
     */
    NDArray modulatedImage(NDArray image, NDArray conditioning) {
        NDList mod = adaNorm.modulation(norm1, conditioning, 6);
        return adaNorm.modulate(image, mod.get(0), mod.get(1));
    }

    /**
     * Image tokens {@code [1, N, d]} with RoPE table {@code [1, N, 2·headDim]}, context tokens
     * {@code [1, M, d]}. Large intermediates are freed at their last use (see {@link Scratch});
     * sums and products are written operand-swapped where that helps, which is bitwise the same.
     */
    Streams forward(Streams in, NDArray conditioning, NDArray ropeTable) {
        // Modulation order: shift, scale, gate for attention, then shift, scale, gate for the MLP.
        NDList mod = adaNorm.modulation(norm1, conditioning, 6);
        NDList ctxMod = adaNorm.modulation(norm1Context, conditioning, 6);

        NDArray x = Scratch.keep(() -> adaNorm.modulate(in.image(), mod.get(0), mod.get(1)), in.image());
        NDArray q = Rope.apply(projectHeads(toQ, normQ, x), ropeTable, numerics);
        NDArray k = Rope.apply(projectHeads(toK, normK, x), ropeTable, numerics);
        NDArray v = Heads.split(toV.forward(x), heads);
        x.close();
        NDArray y = Scratch.keep(() -> adaNorm.modulate(in.context(), ctxMod.get(0), ctxMod.get(1)), in.context());
        NDArray cq = projectHeads(addQ, normAddedQ, y);
        NDArray ck = projectHeads(addK, normAddedK, y);
        NDArray cv = Heads.split(addV.forward(y), heads);
        y.close();
        NDArray attended = Scratch.keep(() -> Heads.attend(numerics.kernels(), q.concat(cq, 1), k.concat(ck, 1),
                v.concat(cv, 1), null), q, k, v);
        Scratch.free(q, k, v, cq, ck, cv);

        long imageTokens = in.image().getShape().get(1);
        NDList parts = attended.split(new long[] {imageTokens}, 1);
        NDArray image = Scratch.keep(() -> toOut.forward(parts.get(0)).mul(mod.get(2)).add(in.image()), parts.get(0));
        NDArray context = Scratch.keep(() -> toAddOut.forward(parts.get(1)).mul(ctxMod.get(2)).add(in.context()),
                parts.get(1));
        Scratch.free(attended);
        return new Streams(feedForward(ff, image, mod.get(3), mod.get(4), mod.get(5)),
                feedForward(ffContext, context, ctxMod.get(3), ctxMod.get(4), ctxMod.get(5)));
    }

    /** {@code RMSNorm(split(linear(x)))}: queries or keys per head. */
    private NDArray projectHeads(Linear linear, NDArray norm, NDArray x) {
        return Scratch.keep(() -> Heads.rmsNorm(Heads.split(linear.forward(x), heads), norm, numerics), x);
    }

    /** {@code x + gate · FF(LN(x)·(1 + scale) + shift)}; frees {@code x}. */
    private NDArray feedForward(Mlp mlp, NDArray x, NDArray shift, NDArray scale, NDArray gate) {
        NDArray out = Scratch.keep(() -> mlp.forward(adaNorm.modulate(x, shift, scale)).mul(gate).add(x), x);
        x.close();
        return out;
    }
}
