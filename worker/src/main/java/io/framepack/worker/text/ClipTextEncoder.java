package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.Norms;
import io.framepack.worker.nn.PreNormEncoderLayer;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code CLIPTextModel(...).pooler_output}: token + position embeddings, causal pre-LN encoder
 * (no attention mask, as HunyuanVideo calls it), final LayerNorm, the state at the end-of-text
 * position.
 */
public final class ClipTextEncoder implements AutoCloseable {
    private final ClipTextConfig config;
    private final Kernels kernels;
    private final NDManager manager;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final List<PreNormEncoderLayer> layers = new ArrayList<>();
    private final NDArray finalNormWeight;
    private final NDArray finalNormBias;

    private ClipTextEncoder(Weights weights, ClipTextConfig config, Kernels kernels, NDManager parent) {
        this.config = config;
        this.kernels = kernels;
        this.manager = parent.newSubManager();
        // CLIPTextModel checkpoints carry a "text_model." prefix; bare tower dumps do not.
        Weights w = weights.contains("text_model.final_layer_norm.weight") ? weights.scope("text_model") : weights;
        this.tokenEmbedding = w.get("embeddings.token_embedding.weight", manager);
        this.positionEmbedding = w.get("embeddings.position_embedding.weight", manager);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(PreNormEncoderLayer.load(w.scope("encoder.layers." + i), manager, config.numAttentionHeads(),
                    (float) config.layerNormEps(), EncoderOps.activation(config.hiddenAct())));
        }
        this.finalNormWeight = w.get("final_layer_norm.weight", manager);
        this.finalNormBias = w.get("final_layer_norm.bias", manager);
    }

    public static ClipTextEncoder load(Weights weights, ClipTextConfig config, Kernels kernels, NDManager manager) {
        return new ClipTextEncoder(weights, config, kernels, manager);
    }

    /** {@code pooler_output [1, hidden]} for {@code ids} (already padded to the model's length). */
    public NDArray pooled(long[] ids) {
        if (ids.length == 0 || ids.length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("CLIP takes 1 to " + config.maxPositionEmbeddings() + " tokens, got "
                    + ids.length);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray h = EncoderOps.embed(tokenEmbedding, ids)
                    .add(positionEmbedding.get(new NDIndex(":{}", ids.length)));
            h.attach(scope);
            NDArray mask = EncoderOps.causalMask(scope, ids.length);
            for (PreNormEncoderLayer layer : layers) {
                h = layer.forward(h, mask, kernels);
            }
            NDArray normed = Norms.layerNorm(h, finalNormWeight, finalNormBias, (float) config.layerNormEps());
            NDArray pooled = normed.get(new NDIndex(":, {}", poolPosition(ids)));
            pooled.attach(manager.getParentManager());
            return pooled;
        }
    }

    /** Where transformers pools: the first end-of-text token, or the argmax of the ids for legacy configs. */
    int poolPosition(long[] ids) {
        int best = 0;
        for (int i = 0; i < ids.length; i++) {
            if (config.eosTokenId() == ClipTextConfig.LEGACY_EOS_TOKEN_ID) {
                if (ids[i] > ids[best]) {
                    best = i;
                }
            } else if (ids[i] == config.eosTokenId()) {
                return i;
            }
        }
        if (config.eosTokenId() != ClipTextConfig.LEGACY_EOS_TOKEN_ID) {
            throw new IllegalArgumentException("no end-of-text token " + config.eosTokenId() + " in the CLIP ids");
        }
        return best;
    }

    @Override
    public void close() {
        manager.close();
    }
}
