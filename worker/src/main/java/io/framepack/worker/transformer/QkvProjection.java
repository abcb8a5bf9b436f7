package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Scratch;

/**
 * Query, key and value projections of one token stream, split into heads, with the per-head
 * RMSNorm of queries and keys ({@code qk_norm="rms_norm"}). RoPE is the caller's business.
 */
final class QkvProjection {
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final NDArray normQ;
    private final NDArray normK;
    private final int heads;
    private final Numerics numerics;

    private QkvProjection(Linear toQ, Linear toK, Linear toV, NDArray normQ, NDArray normK, int heads,
                          Numerics numerics) {
        this.toQ = toQ;
        this.toK = toK;
        this.toV = toV;
        this.normQ = normQ;
        this.normK = normK;
        this.heads = heads;
        this.numerics = numerics;
    }

    /** The image (or single) stream: {@code to_q/k/v}, {@code norm_q/k}. */
    static QkvProjection image(ParameterReader attn, TransformerConfig config, Numerics numerics) {
        return load(attn, "to_", "norm_", "", config, numerics);
    }

    /** The context stream of a dual-stream block: {@code add_q/k/v_proj}, {@code norm_added_q/k}. */
    static QkvProjection context(ParameterReader attn, TransformerConfig config, Numerics numerics) {
        return load(attn, "add_", "norm_added_", "_proj", config, numerics);
    }

    private static QkvProjection load(ParameterReader attn, String prefix, String normPrefix, String suffix,
                                      TransformerConfig config, Numerics numerics) {
        int dim = config.innerDim();
        int headDim = config.attentionHeadDim();
        return new QkvProjection(attn.linear(prefix + "q" + suffix, dim, dim), attn.linear(prefix + "k" + suffix, dim, dim),
                attn.linear(prefix + "v" + suffix, dim, dim), attn.tensor(normPrefix + "q.weight", headDim),
                attn.tensor(normPrefix + "k.weight", headDim), config.numAttentionHeads(), numerics);
    }

    /** {@code [B, N, d]} → normed queries {@code [B, N, H, headDim]}. */
    NDArray queries(NDArray x) {
        return normedHeads(toQ, normQ, x);
    }

    NDArray keys(NDArray x) {
        return normedHeads(toK, normK, x);
    }

    NDArray values(NDArray x) {
        return Heads.split(toV.forward(x), heads);
    }

    private NDArray normedHeads(Linear linear, NDArray norm, NDArray x) {
        return Scratch.keep(() -> Heads.rmsNorm(Heads.split(linear.forward(x), heads), norm, numerics), x);
    }
}
