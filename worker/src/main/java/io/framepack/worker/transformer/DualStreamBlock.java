package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scratch;

/**
 * A dual-stream block ({@code HunyuanVideoTransformerBlock}, MM-DiT style): image tokens and
 * context tokens keep separate weights for modulation, projections and MLPs, but attend jointly
 * over the concatenated sequence. Only image tokens get RoPE.
 */
final class DualStreamBlock {
    private final Linear norm1;
    private final Linear norm1Context;
    private final QkvProjection imageQkv;
    private final QkvProjection contextQkv;
    private final Linear toOut;
    private final Linear toAddOut;
    private final Mlp ff;
    private final Mlp ffContext;
    private final AdaLayerNorm adaNorm;
    private final Numerics numerics;

    DualStreamBlock(ParameterReader params, TransformerConfig config, AdaLayerNorm adaNorm, Numerics numerics) {
        this.adaNorm = adaNorm;
        int dim = config.innerDim();
        this.norm1 = params.linear("norm1.linear", dim, 6L * dim);
        this.norm1Context = params.linear("norm1_context.linear", dim, 6L * dim);
        ParameterReader attn = params.scope("attn");
        this.imageQkv = QkvProjection.image(attn, config, numerics);
        this.contextQkv = QkvProjection.context(attn, config, numerics);
        this.toOut = attn.linear("to_out.0", dim, dim);
        this.toAddOut = attn.linear("to_add_out", dim, dim);
        this.ff = Mlp.feedForward(params.scope("ff"), dim, config.mlpDim(), Mlp.Activation.GELU_TANH, numerics);
        this.ffContext = Mlp.feedForward(params.scope("ff_context"), dim, config.mlpDim(),
                Mlp.Activation.GELU_TANH, numerics);
        this.numerics = numerics;
    }

    /**
     * The modulated image input {@code LN(x)·(1 + scale) + shift} of this block's attention:
     * TeaCache's probe of how much the input changed between steps.
     */
    NDArray modulatedImage(NDArray image, NDArray conditioning) {
        NDList mod = adaNorm.modulation(norm1, conditioning, 6);
        return Scratch.keep(() -> adaNorm.modulate(image, mod.get(0), mod.get(1)), image);
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
        NDArray q = Rope.rotateImageTokens(imageQkv.queries(x), ropeTable, numerics);
        NDArray k = Rope.rotateImageTokens(imageQkv.keys(x), ropeTable, numerics);
        NDArray v = imageQkv.values(x);
        x.close();
        NDArray y = Scratch.keep(() -> adaNorm.modulate(in.context(), ctxMod.get(0), ctxMod.get(1)), in.context());
        NDArray cq = contextQkv.queries(y);
        NDArray ck = contextQkv.keys(y);
        NDArray cv = contextQkv.values(y);
        y.close();
        NDArray attended = Scratch.keep(() -> Heads.attend(numerics.kernels(), q.concat(cq, 1), k.concat(ck, 1),
                v.concat(cv, 1), null), q, k, v);
        Scratch.free(q, k, v, cq, ck, cv);

        long imageTokens = in.image().getShape().get(1);
        NDList parts = attended.split(new long[] {imageTokens}, 1);
        NDArray image = Scratch.keep(() -> toOut.forward(parts.get(0)).muli(mod.get(2)).addi(in.image()), parts.get(0));
        NDArray context = Scratch.keep(() -> toAddOut.forward(parts.get(1)).muli(ctxMod.get(2)).addi(in.context()),
                parts.get(1));
        Scratch.free(attended);
        return new Streams(feedForward(ff, image, mod.get(3), mod.get(4), mod.get(5)),
                feedForward(ffContext, context, ctxMod.get(3), ctxMod.get(4), ctxMod.get(5)));
    }

    /** {@code x + gate · FF(LN(x)·(1 + scale) + shift)}; frees {@code x}. */
    private NDArray feedForward(Mlp mlp, NDArray x, NDArray shift, NDArray scale, NDArray gate) {
        NDArray out = Scratch.keep(() -> mlp.forward(adaNorm.modulate(x, shift, scale)).muli(gate).addi(x), x);
        x.close();
        return out;
    }
}
