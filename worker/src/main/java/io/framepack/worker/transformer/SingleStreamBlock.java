package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scratch;

/**
 * A single-stream block ({@code HunyuanVideoSingleTransformerBlock}): image and context tokens as
 * one sequence with shared weights; attention and a GELU MLP run in parallel from the same
 * modulated input and are fused by one output projection. RoPE rotates the image part only.
 */
final class SingleStreamBlock {
    private final Linear norm;
    private final QkvProjection qkv;
    private final Linear projMlp;
    private final Linear projOut;
    private final AdaLayerNorm adaNorm;
    private final Numerics numerics;

    SingleStreamBlock(ParameterReader params, TransformerConfig config, AdaLayerNorm adaNorm, Numerics numerics) {
        this.adaNorm = adaNorm;
        int dim = config.innerDim();
        this.norm = params.linear("norm.linear", dim, 3L * dim);
        this.qkv = QkvProjection.image(params.scope("attn"), config, numerics);
        this.projMlp = params.linear("proj_mlp", dim, config.mlpDim());
        this.projOut = params.linear("proj_out", (long) dim + config.mlpDim(), dim);
        this.numerics = numerics;
    }

    /** As the dual-stream block: large intermediates are freed at their last use (see {@link Scratch}). */
    Streams forward(Streams in, NDArray conditioning, NDArray ropeTable) {
        long imageTokens = in.image().getShape().get(1);
        NDArray residual = in.image().concat(in.context(), 1);
        // Modulation order: shift, scale, gate.
        NDList mod = adaNorm.modulation(norm, conditioning, 3);
        NDArray z = Scratch.keep(() -> adaNorm.modulate(residual, mod.get(0), mod.get(1)), residual);
        // Attention before the MLP branch: the 4x wider MLP activation is not held while the
        // float32 temporaries of RMSNorm and RoPE are (lower peak memory, same arithmetic).
        NDArray q = Rope.rotateImageTokens(qkv.queries(z), ropeTable, numerics);
        NDArray k = Rope.rotateImageTokens(qkv.keys(z), ropeTable, numerics);
        NDArray v = qkv.values(z);
        NDArray attended = Scratch.keep(() -> Heads.attend(numerics.kernels(), q, k, v, null), q, k, v);
        Scratch.free(q, k, v);
        NDArray mlp = Scratch.keep(() -> Mlp.activate(Mlp.Activation.GELU_TANH, projMlp.forward(z), numerics), z);
        z.close();
        NDArray joined = attended.concat(mlp, 2);
        Scratch.free(attended, mlp);
        NDArray out = projOut.forward(joined).muli(mod.get(2)).addi(residual);
        Scratch.free(joined, residual);
        NDList parts = out.split(new long[] {imageTokens}, 1);
        return new Streams(parts.get(0), parts.get(1));
    }

}
