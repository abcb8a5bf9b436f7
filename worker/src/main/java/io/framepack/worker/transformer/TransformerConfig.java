package io.framepack.worker.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.nn.ConfigJson;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The architecture of {@code HunyuanVideoTransformer3DModelPacked}, read from the checkpoint's
 * {@code config.json}; absent fields take the official class defaults (the 13 B model), so the
 * same code builds the tiny golden model and the released one. {@code guidance_embeds} is not
 * read: the official class always builds the guidance embedder.
 */
public record TransformerConfig(
        int inChannels,
        int outChannels,
        int numAttentionHeads,
        int attentionHeadDim,
        int numLayers,
        int numSingleLayers,
        int numRefinerLayers,
        double mlpRatio,
        int patchSize,
        int patchSizeT,
        int textEmbedDim,
        int pooledProjectionDim,
        double ropeTheta,
        int[] ropeAxesDim,
        boolean hasImageProj,
        int imageProjDim,
        boolean hasCleanXEmbedder) {

    /** Width of the text refiner's MLP: the official refiner ignores {@code mlp_ratio} and uses 4. */
    static final double REFINER_MLP_RATIO = 4.0;

    public TransformerConfig {
        if (Arrays.stream(ropeAxesDim).sum() != attentionHeadDim || ropeAxesDim.length != 3) {
            throw new IllegalArgumentException("rope_axes_dim " + Arrays.toString(ropeAxesDim)
                    + " must be three sizes (t, y, x) summing to attention_head_dim " + attentionHeadDim);
        }
        for (int axis : ropeAxesDim) {
            if (axis % 2 != 0) {
                throw new IllegalArgumentException("rope_axes_dim " + Arrays.toString(ropeAxesDim) + " must be even");
            }
        }
    }

    public static TransformerConfig read(Path configJson) throws IOException {
        return fromJson(new ObjectMapper().readTree(configJson.toFile()));
    }

    public static TransformerConfig fromJson(JsonNode json) {
        String qkNorm = json.path("qk_norm").asText("rms_norm");
        if (!qkNorm.equals("rms_norm")) {
            throw new IllegalArgumentException("qk_norm " + qkNorm + " is not supported (only rms_norm)");
        }
        int inChannels = json.path("in_channels").asInt(16);
        int outChannels = json.path("out_channels").isNull() ? inChannels : json.path("out_channels").asInt(inChannels);
        int[] axes = json.has("rope_axes_dim") ? ConfigJson.ints(json.get("rope_axes_dim")) : new int[] {16, 56, 56};
        return new TransformerConfig(
                inChannels,
                outChannels,
                json.path("num_attention_heads").asInt(24),
                json.path("attention_head_dim").asInt(128),
                json.path("num_layers").asInt(20),
                json.path("num_single_layers").asInt(40),
                json.path("num_refiner_layers").asInt(2),
                json.path("mlp_ratio").asDouble(4.0),
                json.path("patch_size").asInt(2),
                json.path("patch_size_t").asInt(1),
                json.path("text_embed_dim").asInt(4096),
                json.path("pooled_projection_dim").asInt(768),
                json.path("rope_theta").asDouble(256.0),
                axes,
                json.path("has_image_proj").asBoolean(false),
                json.path("image_proj_dim").asInt(1152),
                json.path("has_clean_x_embedder").asBoolean(false));
    }

    /** Model width {@code d} = heads × head size. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Hidden width of the block MLPs ({@code int(d · mlp_ratio)}, as Python truncates). */
    public int mlpDim() {
        return (int) (innerDim() * mlpRatio);
    }

    /** Channels of one output token: {@code out_channels · p_t · p · p}. */
    public int patchVolume() {
        return outChannels * patchSizeT * patchSize * patchSize;
    }
}
