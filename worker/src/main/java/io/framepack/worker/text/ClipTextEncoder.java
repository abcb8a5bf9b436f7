package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.LayerNorm;
import io.framepack.worker.nn.Parameters;
import io.framepack.worker.nn.PreNormEncoderLayer;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code CLIPTextModel(...).pooler_output}: token + position embeddings, causal pre-LN encoder
 * (no attention mask, as HunyuanVideo calls it), final LayerNorm, the state at the end-of-text
 * position.
 */
public final class ClipTextEncoder implements AutoCloseable {
    private static final String MODEL = "CLIP text encoder";

    private final ClipTextConfig config;
    private final Kernels kernels;
    private final NDManager manager;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final List<PreNormEncoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;

    private ClipTextEncoder(Parameters checkpoint, ClipTextConfig config, Kernels kernels) {
        this.config = config;
        this.kernels = kernels;
        this.manager = checkpoint.manager();
        Parameters tower = tower(checkpoint);
        int hidden = config.hiddenSize();
        this.tokenEmbedding = tower.tensor("embeddings.token_embedding.weight", config.vocabSize(), hidden);
        this.positionEmbedding = tower.tensor("embeddings.position_embedding.weight", config.maxPositionEmbeddings(),
                hidden);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new PreNormEncoderLayer(tower.scope("encoder.layers." + i), config.encoderLayer()));
        }
        this.finalNorm = LayerNorm.load(tower, "final_layer_norm", hidden, (float) config.layerNormEps());
    }

    /** CLIPTextModel checkpoints carry a "text_model." prefix; bare tower dumps do not. */
    private static Parameters tower(Parameters checkpoint) {
        return checkpoint.contains("text_model.final_layer_norm.weight") ? checkpoint.scope("text_model") : checkpoint;
    }

    /** Loads the tower's weights onto {@code manager}'s device; close to release them. */
    public static ClipTextEncoder load(Weights weights, ClipTextConfig config, Kernels kernels, NDManager manager) {
        return Parameters.load(MODEL, weights, manager, checkpoint -> new ClipTextEncoder(checkpoint, config, kernels));
    }

    /**
     * Checks, from the safetensors headers alone, that the checkpoint holds every weight
     * {@code config} implies with the shapes it implies, and no more encoder layers; throws a
     * {@link TensorFormatException} naming the first key that is missing or misshapen.
     */
    public static void checkCheckpoint(SafetensorsWeights weights, ClipTextConfig config) {
        Parameters headers = Parameters.shapesOnly(MODEL, weights);
        new ClipTextEncoder(headers, config, null);
        tower(headers).requireAllRead("encoder.");
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
            NDArray normed = finalNorm.forward(h);
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
