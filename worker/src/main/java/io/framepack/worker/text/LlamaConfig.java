package io.framepack.worker.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code LlamaConfig} from a {@code text_encoder/config.json}; absent fields take the transformers
 * defaults. Only plain RoPE is supported: a checkpoint asking for {@code rope_scaling} is refused
 * rather than silently encoded wrong.
 */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, double rmsNormEps,
                          double ropeTheta, String hiddenAct) {

    public static LlamaConfig read(Path configJson) throws IOException {
        return fromJson(new ObjectMapper().readTree(configJson.toFile()));
    }

    public static LlamaConfig fromJson(JsonNode json) {
        JsonNode scaling = json.path("rope_scaling");
        if (!scaling.isMissingNode() && !scaling.isNull()) {
            throw new IllegalArgumentException("rope_scaling " + scaling + " is not supported (plain RoPE only)");
        }
        if (json.path("attention_bias").asBoolean(false) || json.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException("LLaMA attention/MLP biases are not supported");
        }
        int hidden = json.path("hidden_size").asInt(4096);
        int heads = json.path("num_attention_heads").asInt(32);
        JsonNode kvHeads = json.path("num_key_value_heads");
        JsonNode headDim = json.path("head_dim");
        LlamaConfig config = new LlamaConfig(
                json.path("vocab_size").asInt(32000),
                hidden,
                json.path("intermediate_size").asInt(11008),
                json.path("num_hidden_layers").asInt(32),
                heads,
                kvHeads.isNumber() ? kvHeads.asInt() : heads,
                headDim.isNumber() ? headDim.asInt() : hidden / heads,
                json.path("rms_norm_eps").asDouble(1e-6),
                json.path("rope_theta").asDouble(10000.0),
                json.path("hidden_act").asText("silu"));
        if (config.numAttentionHeads % config.numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + config.numKeyValueHeads);
        }
        return config;
    }
}
