package io.framepack.worker.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.PreNormEncoderLayer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code CLIPTextConfig} from a {@code text_encoder_2/config.json} (a full {@code CLIPConfig} with
 * a {@code text_config} member is accepted too); absent fields take the transformers defaults.
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct,
                             double layerNormEps, int eosTokenId) {

    /**
     * The {@code eos_token_id} of configs written before transformers fixed it; with it the pooled
     * position is the argmax of the ids (the end-of-text token has the largest id of the vocabulary).
     */
    static final int LEGACY_EOS_TOKEN_ID = 2;

    public static ClipTextConfig read(Path configJson) throws IOException {
        return fromJson(new ObjectMapper().readTree(configJson.toFile()));
    }

    public static ClipTextConfig fromJson(JsonNode json) {
        JsonNode c = json.has("text_config") ? json.get("text_config") : json;
        return new ClipTextConfig(
                c.path("vocab_size").asInt(49408),
                c.path("hidden_size").asInt(512),
                c.path("intermediate_size").asInt(2048),
                c.path("num_hidden_layers").asInt(12),
                c.path("num_attention_heads").asInt(8),
                c.path("max_position_embeddings").asInt(77),
                c.path("hidden_act").asText("quick_gelu"),
                c.path("layer_norm_eps").asDouble(1e-5),
                c.path("eos_token_id").asInt(49407));
    }

    /** The sizes and activation of its {@link PreNormEncoderLayer}s. */
    public PreNormEncoderLayer.Settings encoderLayer() {
        return new PreNormEncoderLayer.Settings(hiddenSize, intermediateSize, numAttentionHeads, (float) layerNormEps,
                EncoderOps.activation(hiddenAct));
    }
}
