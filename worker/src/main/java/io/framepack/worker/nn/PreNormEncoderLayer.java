package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Weights;

import java.util.function.UnaryOperator;

/**
 * The encoder layer of CLIP and SigLIP ({@code CLIPEncoderLayer}, {@code SiglipEncoderLayer}):
 * {@code x + attn(LN1(x))}, then {@code x + fc2(act(fc1(LN2(x))))}, with biased q/k/v/out
 * projections and the 1/√d attention scale.
 */
public final class PreNormEncoderLayer {
    private final NDArray norm1Weight;
    private final NDArray norm1Bias;
    private final NDArray norm2Weight;
    private final NDArray norm2Bias;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear out;
    private final Linear fc1;
    private final Linear fc2;
    private final int heads;
    private final float eps;
    private final UnaryOperator<NDArray> activation;

    private PreNormEncoderLayer(Weights w, NDManager manager, int heads, float eps,
                                UnaryOperator<NDArray> activation) {
        this.norm1Weight = w.get("layer_norm1.weight", manager);
        this.norm1Bias = w.get("layer_norm1.bias", manager);
        this.norm2Weight = w.get("layer_norm2.weight", manager);
        this.norm2Bias = w.get("layer_norm2.bias", manager);
        this.query = Linear.load(w, "self_attn.q_proj", manager);
        this.key = Linear.load(w, "self_attn.k_proj", manager);
        this.value = Linear.load(w, "self_attn.v_proj", manager);
        this.out = Linear.load(w, "self_attn.out_proj", manager);
        this.fc1 = Linear.load(w, "mlp.fc1", manager);
        this.fc2 = Linear.load(w, "mlp.fc2", manager);
        this.heads = heads;
        this.eps = eps;
        this.activation = activation;
    }

    /** Loads {@code encoder.layers.<i>} from weights scoped to that layer. */
    public static PreNormEncoderLayer load(Weights layer, NDManager manager, int heads, float eps,
                                           UnaryOperator<NDArray> activation) {
        return new PreNormEncoderLayer(layer, manager, heads, eps, activation);
    }

    /** @param mask null or a boolean mask broadcastable to {@code [B, H, N, N]} (true = attend) */
    public NDArray forward(NDArray x, NDArray mask, Kernels kernels) {
        NDArray normed = Norms.layerNorm(x, norm1Weight, norm1Bias, eps);
        NDArray attended = kernels.attention(EncoderOps.splitHeads(query.forward(normed), heads),
                EncoderOps.splitHeads(key.forward(normed), heads),
                EncoderOps.splitHeads(value.forward(normed), heads), mask);
        NDArray h = x.add(out.forward(EncoderOps.mergeHeads(attended)));
        NDArray mlp = fc2.forward(activation.apply(fc1.forward(Norms.layerNorm(h, norm2Weight, norm2Bias, eps))));
        return h.add(mlp);
    }
}
