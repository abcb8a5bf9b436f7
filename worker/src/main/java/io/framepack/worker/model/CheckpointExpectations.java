package io.framepack.worker.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.image.SiglipVisionConfig;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.text.ClipTextConfig;
import io.framepack.worker.text.LlamaConfig;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.VaeConfig;

import java.util.Arrays;

/**
 * Cheap checks, from the safetensors headers only, that a component's weights fit its
 * {@code config.json}: the VAE and the transformer completely (each builds itself on the headers),
 * the encoders by their defining tensors (embeddings, patch convs) and their layer counts, so a
 * config from one model next to the weights of another is caught before anything is loaded.
 */
final class CheckpointExpectations {
    private CheckpointExpectations() {
    }

    /** Throws {@link TensorFormatException} (or IllegalArgumentException for a bad config) naming the first misfit. */
    static void check(Component component, JsonNode config, SafetensorsWeights weights) {
        switch (component) {
            case VAE -> HunyuanVideoVae.checkCheckpoint(weights, VaeConfig.fromJson(config));
            case TRANSFORMER -> PackedTransformer.checkCheckpoint(weights, TransformerConfig.fromJson(config));
            case TEXT_ENCODER -> llama(LlamaConfig.fromJson(config), weights);
            case TEXT_ENCODER_2 -> clip(ClipTextConfig.fromJson(config), weights);
            case IMAGE_ENCODER -> siglip(SiglipVisionConfig.fromJson(config), weights);
            default -> throw new IllegalArgumentException(component + " has no weights");
        }
    }

    private static void llama(LlamaConfig c, SafetensorsWeights w) {
        String p = w.contains("model.embed_tokens.weight") ? "model." : "";
        shape(w, p + "embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        layers(w, p + "layers.", c.numHiddenLayers());
    }

    private static void clip(ClipTextConfig c, SafetensorsWeights w) {
        String p = w.contains("text_model.final_layer_norm.weight") ? "text_model." : "";
        shape(w, p + "embeddings.token_embedding.weight", c.vocabSize(), c.hiddenSize());
        shape(w, p + "embeddings.position_embedding.weight", c.maxPositionEmbeddings(), c.hiddenSize());
        layers(w, p + "encoder.layers.", c.numHiddenLayers());
    }

    private static void siglip(SiglipVisionConfig c, SafetensorsWeights w) {
        String p = w.contains("vision_model.post_layernorm.weight") ? "vision_model." : "";
        long patches = (long) (c.imageSize() / c.patchSize()) * (c.imageSize() / c.patchSize());
        shape(w, p + "embeddings.patch_embedding.weight", c.hiddenSize(), c.numChannels(), c.patchSize(),
                c.patchSize());
        shape(w, p + "embeddings.position_embedding.weight", patches, c.hiddenSize());
        layers(w, p + "encoder.layers.", c.numHiddenLayers());
    }

    private static void shape(SafetensorsWeights w, String key, long... expected) {
        if (!w.contains(key)) {
            throw new TensorFormatException("weight " + key + " is missing (expected shape "
                    + Arrays.toString(expected) + ")");
        }
        long[] actual = w.shape(key);
        if (!Arrays.equals(actual, expected)) {
            throw new TensorFormatException("weight " + key + " has shape " + Arrays.toString(actual)
                    + ", the config implies " + Arrays.toString(expected));
        }
    }

    /** Blocks {@code prefix0 … prefix(count−1)} exist and {@code prefix<count>} does not. */
    private static void layers(SafetensorsWeights w, String prefix, int count) {
        int found = 0;
        while (hasPrefix(w, prefix + found + ".")) {
            found++;
        }
        if (found != count) {
            throw new TensorFormatException("the config has " + count + " " + prefix + "* blocks, the weights have "
                    + found);
        }
    }

    private static boolean hasPrefix(SafetensorsWeights w, String prefix) {
        return w.keys().stream().anyMatch(k -> k.startsWith(prefix));
    }
}
