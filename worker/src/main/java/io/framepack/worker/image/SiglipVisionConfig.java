package io.framepack.worker.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.PreNormEncoderLayer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code SiglipVisionConfig} from an {@code image_encoder/config.json}; absent fields take the
 * transformers defaults. A full {@code SiglipConfig} (with a {@code vision_config} member) is
 * accepted too.
 */
public record SiglipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                                 int numChannels, int imageSize, int patchSize, String hiddenAct,
                                 double layerNormEps) {

    public static SiglipVisionConfig read(Path configJson) throws IOException {
        return fromJson(new ObjectMapper().readTree(configJson.toFile()));
    }

    public static SiglipVisionConfig fromJson(JsonNode json) {
        JsonNode c = json.has("vision_config") ? json.get("vision_config") : json;
        SiglipVisionConfig config = new SiglipVisionConfig(
                c.path("hidden_size").asInt(768),
                c.path("intermediate_size").asInt(3072),
                c.path("num_hidden_layers").asInt(12),
                c.path("num_attention_heads").asInt(12),
                c.path("num_channels").asInt(3),
                c.path("image_size").asInt(224),
                c.path("patch_size").asInt(16),
                c.path("hidden_act").asText("gelu_pytorch_tanh"),
                c.path("layer_norm_eps").asDouble(1e-6));
        if (config.hiddenSize % config.numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + config.hiddenSize
                    + " is not divisible by num_attention_heads " + config.numAttentionHeads);
        }
        return config;
    }

    /** Patches per image: {@code (image_size / patch_size)²}; the remainder columns/rows are not covered. */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** The sizes and activation of its {@link PreNormEncoderLayer}s. */
    public PreNormEncoderLayer.Settings encoderLayer() {
        return new PreNormEncoderLayer.Settings(hiddenSize, intermediateSize, numAttentionHeads, (float) layerNormEps,
                EncoderOps.activation(hiddenAct));
    }
}
