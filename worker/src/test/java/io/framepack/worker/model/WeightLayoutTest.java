package io.framepack.worker.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.image.SiglipVisionConfig;
import io.framepack.worker.image.SiglipVisionEncoder;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.RewrittenCheckpoint;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.VaeConfig;
import io.framepack.worker.text.ClipTextConfig;
import io.framepack.worker.text.ClipTextEncoder;
import io.framepack.worker.text.LlamaConfig;
import io.framepack.worker.text.LlamaTextEncoder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every model checks its weights against its own layout, the one its layers load: the model
 * directory's validation (headers only) and the model's loading refuse a checkpoint with one key
 * missing or one weight's axes swapped alike, naming the key and both shapes, and accept the
 * released layouts (key prefix, bfloat16, shards with an index). The tiny model's weights are
 * rewritten for each case.
 */
class WeightLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private interface Loader {
        AutoCloseable load(SafetensorsWeights weights, Path configJson, NDManager manager) throws IOException;
    }

    /**
     * One model: a key that loading reads, with its shape; a weight whose first two axes differ,
     * with its shape and the shape with those axes swapped; the key prefix and shard name of its
     * released checkpoint; the config field that counts its last stack of layers and their keys.
     */
    record Model(Component component, String name, String missingKey, String missingShape, String swappedKey,
                 String shape, String swappedShape, String releasedPrefix, String releasedShards,
                 String layerCountField, String layersKey, Loader loader) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Model> models() {
        return Stream.of(
                new Model(Component.TEXT_ENCODER, "LLaMA text encoder", "layers.1.self_attn.k_proj.weight",
                        "(16, 32)", "layers.0.mlp.gate_proj.weight", "(64, 32)", "(32, 64)", "model.", "model",
                        "num_hidden_layers", "layers.",
                        (weights, config, manager) -> LlamaTextEncoder.load(weights, LlamaConfig.read(config),
                                LlamaTextEncoder.HUNYUAN_SKIPPED_LAYERS, new DjlKernels(), manager)),
                new Model(Component.TEXT_ENCODER_2, "CLIP text encoder", "final_layer_norm.bias", "(16)",
                        "encoder.layers.0.mlp.fc1.weight", "(32, 16)", "(16, 32)", "text_model.", "model",
                        "num_hidden_layers", "encoder.layers.",
                        (weights, config, manager) -> ClipTextEncoder.load(weights, ClipTextConfig.read(config),
                                new DjlKernels(), manager)),
                new Model(Component.IMAGE_ENCODER, "SigLIP image encoder", "embeddings.patch_embedding.bias", "(24)",
                        "encoder.layers.0.mlp.fc2.weight", "(24, 48)", "(48, 24)", "vision_model.", "model",
                        "num_hidden_layers", "encoder.layers.",
                        (weights, config, manager) -> SiglipVisionEncoder.load(weights,
                                SiglipVisionConfig.read(config), new DjlKernels(), manager)),
                new Model(Component.VAE, "VAE", "decoder.conv_out.conv.bias", "(3)", "decoder.conv_out.conv.weight",
                        "(3, 8, 3, 3, 3)", "(8, 3, 3, 3, 3)", "", "diffusion_pytorch_model", null, null,
                        (weights, config, manager) -> HunyuanVideoVae.load(weights, VaeConfig.read(config),
                                DataType.FLOAT32, new DjlKernels(), manager, true)),
                new Model(Component.TRANSFORMER, "transformer", "image_projection.down.bias", "(32)", "proj_out.weight",
                        "(64, 32)", "(32, 64)", "", "diffusion_pytorch_model", "num_single_layers",
                        "single_transformer_blocks.",
                        (weights, config, manager) -> PackedTransformer.load(weights, TransformerConfig.read(config),
                                new DjlKernels(), manager)));
    }

    static Stream<Model> layeredModels() {
        return models().filter(model -> model.layerCountField() != null);
    }

    @ParameterizedTest
    @MethodSource("models")
    void aMissingWeightIsNamedWithItsExpectedShape(Model model) throws IOException {
        assertRefusedAlike(model, checkpoint -> checkpoint.without(model.missingKey()), model.name() + " weight "
                + model.missingKey() + " " + model.missingShape() + " is missing from the checkpoint");
    }

    @ParameterizedTest
    @MethodSource("models")
    void aMisshapenWeightIsNamedWithBothShapes(Model model) throws IOException {
        assertRefusedAlike(model, checkpoint -> checkpoint.withFirstAxesSwapped(model.swappedKey()), model.name()
                + " weight " + model.swappedKey() + " has shape " + model.swappedShape()
                + " in the checkpoint, but the config implies " + model.shape());
    }

    /** A config of fewer layers than the weights hold is a different model: the layers it lacks are named. */
    @ParameterizedTest
    @MethodSource("layeredModels")
    void layersTheConfigDoesNotDescribeAreNamed(Model model) throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path configFile = directory.path(model.component()).resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        int layers = config.get(model.layerCountField()).asInt();
        JSON.writeValue(configFile.toFile(), config.put(model.layerCountField(), layers - 1));
        assertThat(problems(directory, model)).singleElement().asString()
                .startsWith(model.component().relativePath() + ": the " + model.name() + " checkpoint has ")
                .contains("weights its config does not use")
                .contains(model.layersKey() + (layers - 1) + ".");
    }

    @ParameterizedTest
    @MethodSource("models")
    void theReleasedLayoutIsAccepted(Model model) throws Exception {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path file = weightsFile(directory, model);
        RewrittenCheckpoint released = RewrittenCheckpoint.of(file).prefixed(model.releasedPrefix()).inBfloat16();
        Files.delete(file);
        released.writeShardedTo(directory.path(model.component()), model.releasedShards(), 3);
        directory.validate(EnumSet.of(model.component()));
        load(directory, model);
    }

    /** The tiny model with {@code model}'s weights edited is refused with {@code problem}, validated and loaded. */
    private void assertRefusedAlike(Model model, UnaryOperator<RewrittenCheckpoint> edit, String problem)
            throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path file = weightsFile(directory, model);
        edit.apply(RewrittenCheckpoint.of(file)).writeTo(file);
        assertThat(problems(directory, model)).containsExactly(model.component().relativePath() + ": " + problem);
        assertThatThrownBy(() -> load(directory, model)).isInstanceOf(TensorFormatException.class)
                .hasMessage(problem);
    }

    private static List<String> problems(ModelDirectory directory, Model model) {
        try {
            directory.validate(EnumSet.of(model.component()));
        } catch (ModelDirectoryException e) {
            return e.problems();
        }
        throw new AssertionError("the directory validated");
    }

    private static void load(ModelDirectory directory, Model model) throws Exception {
        Path folder = directory.path(model.component());
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(folder, Precision.FLOAT32, new DjlKernels())) {
            model.loader().load(weights, folder.resolve("config.json"), manager).close();
        }
    }

    private static Path weightsFile(ModelDirectory directory, Model model) {
        return directory.path(model.component()).resolve("model.safetensors");
    }
}
