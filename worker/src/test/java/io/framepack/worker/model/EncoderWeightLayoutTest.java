package io.framepack.worker.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.image.SiglipVisionConfig;
import io.framepack.worker.image.SiglipVisionEncoder;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.RewrittenCheckpoint;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The text and image encoders check their weights against their own layout, the one their
 * layers load: the model directory's validation (headers only) and loading refuse a checkpoint
 * with one key missing or one matrix transposed alike, naming the key and both shapes, and
 * accept the released layouts (key prefix, bfloat16, shards with an index). The tiny model's
 * weights are rewritten for each case.
 */
class EncoderWeightLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private interface Loader {
        AutoCloseable load(SafetensorsWeights weights, Path configJson, NDManager manager) throws IOException;
    }

    /**
     * One encoder: a key its loaded layers read, with its shape, a matrix {@code [out, in]} of
     * its first layer, and the key prefix of the model class its released checkpoint saves.
     */
    record Encoder(Component component, String model, String missingKey, String missingShape, String matrixKey,
                   long out, long in, String releasedPrefix, String layersKey, Loader loader) {
        @Override
        public String toString() {
            return model;
        }
    }

    static Stream<Encoder> encoders() {
        return Stream.of(
                new Encoder(Component.TEXT_ENCODER, "LLaMA text encoder", "layers.1.self_attn.k_proj.weight",
                        "(16, 32)", "layers.0.mlp.gate_proj.weight", 64, 32, "model.", "layers.",
                        (weights, config, manager) -> LlamaTextEncoder.load(weights, LlamaConfig.read(config),
                                LlamaTextEncoder.HUNYUAN_SKIPPED_LAYERS, new DjlKernels(), manager)),
                new Encoder(Component.TEXT_ENCODER_2, "CLIP text encoder", "final_layer_norm.bias", "(16)",
                        "encoder.layers.0.mlp.fc1.weight", 32, 16, "text_model.", "encoder.layers.",
                        (weights, config, manager) -> ClipTextEncoder.load(weights, ClipTextConfig.read(config),
                                new DjlKernels(), manager)),
                new Encoder(Component.IMAGE_ENCODER, "SigLIP image encoder", "embeddings.patch_embedding.bias", "(24)",
                        "encoder.layers.0.mlp.fc2.weight", 24, 48, "vision_model.", "encoder.layers.",
                        (weights, config, manager) -> SiglipVisionEncoder.load(weights,
                                SiglipVisionConfig.read(config), new DjlKernels(), manager)));
    }

    @ParameterizedTest
    @MethodSource("encoders")
    void aMissingWeightIsNamedWithItsExpectedShape(Encoder encoder) throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        RewrittenCheckpoint.of(weightsFile(directory, encoder)).without(encoder.missingKey())
                .writeTo(weightsFile(directory, encoder));
        String problem = encoder.model() + " weight " + encoder.missingKey() + " " + encoder.missingShape()
                + " is missing from the checkpoint";
        assertRefusedAlike(directory, encoder, problem);
    }

    @ParameterizedTest
    @MethodSource("encoders")
    void aMisshapenWeightIsNamedWithBothShapes(Encoder encoder) throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        RewrittenCheckpoint.of(weightsFile(directory, encoder)).transposed(encoder.matrixKey())
                .writeTo(weightsFile(directory, encoder));
        String problem = encoder.model() + " weight " + encoder.matrixKey() + " has shape (" + encoder.in() + ", "
                + encoder.out() + ") in the checkpoint, but the config implies (" + encoder.out() + ", "
                + encoder.in() + ")";
        assertRefusedAlike(directory, encoder, problem);
    }

    /** A config of fewer layers than the weights hold is a different model: the layers it lacks are named. */
    @ParameterizedTest
    @MethodSource("encoders")
    void layersTheConfigDoesNotDescribeAreNamed(Encoder encoder) throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path configFile = directory.path(encoder.component()).resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        int layers = config.get("num_hidden_layers").asInt();
        JSON.writeValue(configFile.toFile(), config.put("num_hidden_layers", layers - 1));
        assertThat(problems(directory, encoder)).singleElement().asString()
                .startsWith(encoder.component().relativePath() + ": the " + encoder.model() + " checkpoint has ")
                .contains("weights its config does not use")
                .contains(encoder.layersKey() + (layers - 1) + ".");
    }

    @ParameterizedTest
    @MethodSource("encoders")
    void theReleasedLayoutIsAccepted(Encoder encoder) throws Exception {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path file = weightsFile(directory, encoder);
        RewrittenCheckpoint released = RewrittenCheckpoint.of(file).prefixed(encoder.releasedPrefix()).inBfloat16();
        Files.delete(file);
        released.writeShardedTo(directory.path(encoder.component()), "model", 2);
        directory.validate(EnumSet.of(encoder.component()));
        load(directory, encoder);
    }

    private void assertRefusedAlike(ModelDirectory directory, Encoder encoder, String problem) {
        assertThat(problems(directory, encoder)).containsExactly(encoder.component().relativePath() + ": " + problem);
        assertThatThrownBy(() -> load(directory, encoder)).isInstanceOf(TensorFormatException.class)
                .hasMessage(problem);
    }

    private static List<String> problems(ModelDirectory directory, Encoder encoder) {
        try {
            directory.validate(EnumSet.of(encoder.component()));
        } catch (ModelDirectoryException e) {
            return e.problems();
        }
        throw new AssertionError("the directory validated");
    }

    private static void load(ModelDirectory directory, Encoder encoder) throws Exception {
        Path folder = directory.path(encoder.component());
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(folder, Precision.FLOAT32, new DjlKernels())) {
            encoder.loader().load(weights, folder.resolve("config.json"), manager).close();
        }
    }

    private static Path weightsFile(ModelDirectory directory, Encoder encoder) {
        return directory.path(encoder.component()).resolve("model.safetensors");
    }
}
