package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.tensor.Kernels;

import java.util.function.UnaryOperator;

/**
 * The encoder layer of CLIP and SigLIP ({@code CLIPEncoderLayer}, {@code SiglipEncoderLayer}):
 * {@code x + attn(LN1(x))}, then {@code x + fc2(act(fc1(LN2(x))))}, with biased q/k/v/out
 * projections and the 1/√d attention scale.
 */
public final class PreNormEncoderLayer {
    /** The sizes and choices of the layer, as the CLIP and SigLIP configs name them. */
    public record Settings(int hiddenSize, int intermediateSize, int numAttentionHeads, float layerNormEps,
                           UnaryOperator<NDArray> activation) {
    }

    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear out;
    private final Linear fc1;
    private final Linear fc2;
    private final Settings settings;

    /** Loads one layer, {@code encoder.layers.<i>}, from parameters scoped to it. */
    public PreNormEncoderLayer(Parameters layer, Settings settings) {
        int hidden = settings.hiddenSize();
        this.norm1 = LayerNorm.load(layer, "layer_norm1", hidden, settings.layerNormEps());
        this.norm2 = LayerNorm.load(layer, "layer_norm2", hidden, settings.layerNormEps());
        this.query = Linear.load(layer, "self_attn.q_proj", hidden, hidden);
        this.key = Linear.load(layer, "self_attn.k_proj", hidden, hidden);
        this.value = Linear.load(layer, "self_attn.v_proj", hidden, hidden);
        this.out = Linear.load(layer, "self_attn.out_proj", hidden, hidden);
        this.fc1 = Linear.load(layer, "mlp.fc1", hidden, settings.intermediateSize());
        this.fc2 = Linear.load(layer, "mlp.fc2", settings.intermediateSize(), hidden);
        this.settings = settings;
    }

    /** @param mask null or a boolean mask broadcastable to {@code [B, H, N, N]} (true = attend) */
    public NDArray forward(NDArray x, NDArray mask, Kernels kernels) {
        int heads = settings.numAttentionHeads();
        NDArray normed = norm1.forward(x);
        NDArray attended = kernels.attention(EncoderOps.splitHeads(query.forward(normed), heads),
                EncoderOps.splitHeads(key.forward(normed), heads),
                EncoderOps.splitHeads(value.forward(normed), heads), mask);
        NDArray h = x.add(out.forward(EncoderOps.mergeHeads(attended)));
        NDArray mlp = fc2.forward(settings.activation().apply(fc1.forward(norm2.forward(h))));
        return h.add(mlp);
    }
}
