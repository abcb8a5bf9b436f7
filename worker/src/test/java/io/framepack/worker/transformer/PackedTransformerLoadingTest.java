package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The architecture comes from config.json, and a checkpoint that does not fit it says where. */
class PackedTransformerLoadingTest {
    private final GoldenCases goldens = GoldenCases.load();

    @Test
    void absentConfigFieldsTakeTheOfficialDefaults() {
        TransformerConfig config = TransformerConfig.fromJson(new ObjectMapper().createObjectNode()
                .put("has_image_proj", true).put("has_clean_x_embedder", true));
        assertThat(config.innerDim()).isEqualTo(3072);
        assertThat(config.numLayers()).isEqualTo(20);
        assertThat(config.numSingleLayers()).isEqualTo(40);
        assertThat(config.numRefinerLayers()).isEqualTo(2);
        assertThat(config.mlpDim()).isEqualTo(12288);
        assertThat(config.ropeAxesDim()).containsExactly(16, 56, 56);
        assertThat(config.ropeTheta()).isEqualTo(256.0);
        assertThat(config.textEmbedDim()).isEqualTo(4096);
        assertThat(config.pooledProjectionDim()).isEqualTo(768);
        assertThat(config.imageProjDim()).isEqualTo(1152);
        assertThat(config.patchVolume()).isEqualTo(64);
    }

    @Test
    void buildsTheGoldenModelFromItsConfig() throws IOException {
        TransformerConfig config = TransformerConfig.read(goldens.file("transformer_config.json"));
        try (NDManager manager = NDManager.newBaseManager(); SafetensorsWeights weights = openWeights();
             PackedTransformer model = PackedTransformer.load(weights, config, new DjlKernels(), manager)) {
            assertThat(model.config().numAttentionHeads()).isEqualTo(config.numAttentionHeads());
            assertThat(config.ropeAxesDim()).hasSize(3);
        }
    }

    /** A component folder as the checkpoint ships: config.json next to the safetensors. */
    @Test
    void opensAComponentFolder(@TempDir Path dir) throws IOException {
        Files.copy(goldens.file("transformer_config.json"), dir.resolve("config.json"));
        Files.copy(goldens.file("transformer.safetensors"), dir.resolve("diffusion_pytorch_model.safetensors"));
        try (NDManager manager = NDManager.newBaseManager();
             PackedTransformer model = PackedTransformer.open(dir, Precision.FLOAT32, new DjlKernels(), manager,
                     BlockResidency.ALL)) {
            assertThat(model.config()).usingRecursiveComparison()
                    .isEqualTo(TransformerConfig.read(goldens.file("transformer_config.json")));
        }
    }

    /** Full-size benchmarks need the model without its checkpoint; a forward must still be finite. */
    @Test
    void buildsARandomlyInitialisedModelThatRuns() throws IOException {
        TransformerConfig config = TransformerConfig.read(goldens.file("transformer_config.json"));
        try (NDManager manager = NDManager.newBaseManager();
             PackedTransformer model = PackedTransformer.withRandomWeights(config, Precision.FLOAT32, new DjlKernels(),
                     manager, 42, BlockResidency.ALL)) {
            TransformerInputs.NoisyLatents noisy = ForwardCase.noisy(goldens, manager);
            TransformerInputs inputs = new TransformerInputs(
                    new TransformerInputs.NoisyLatents(noisy.latents(), noisy.timestep(), null),
                    TransformerInputs.PackedContext.NONE, ForwardCase.conditioning(goldens, manager));
            NDArray velocity = model.forward(inputs);
            assertThat(velocity.getShape()).isEqualTo(noisy.latents().getShape());
            assertThat(velocity.isNaN().any().getBoolean()).isFalse();
            assertThat(velocity.abs().max().getFloat()).isPositive();
        }
    }

    @Test
    void namesAMissingWeightWithItsExpectedShape(@TempDir Path dir) throws IOException {
        TransformerConfig config = TransformerConfig.read(goldens.file("transformer_config.json"));
        String missing = "transformer_blocks." + (config.numLayers() - 1) + ".attn.norm_k.weight";
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(withRenamedKey(dir, missing), Precision.FLOAT32,
                     new DjlKernels())) {
            for (ThrowingCallable building : loadAndCheck(weights, config, manager)) {
                assertThatThrownBy(building)
                        .isInstanceOf(TensorFormatException.class)
                        .hasMessageContaining(missing)
                        .hasMessageContaining("(" + config.attentionHeadDim() + ")")
                        .hasMessageContaining("missing");
            }
        }
    }

    @Test
    void namesAWeightWhoseShapeDisagreesWithTheConfig() throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(goldens.file("transformer_config.json").toFile());
        TransformerConfig golden = TransformerConfig.fromJson(json);
        // Same width, twice the heads at half the size: only the per-head norms change shape.
        int heads = golden.numAttentionHeads() * 2;
        int headDim = golden.attentionHeadDim() / 2;
        json.put("num_attention_heads", heads).put("attention_head_dim", headDim);
        json.putArray("rope_axes_dim").add(headDim / 4).add(headDim / 4).add(headDim - 2 * (headDim / 4));
        TransformerConfig config = TransformerConfig.fromJson(json);
        try (NDManager manager = NDManager.newBaseManager(); SafetensorsWeights weights = openWeights()) {
            for (ThrowingCallable building : loadAndCheck(weights, config, manager)) {
                assertThatThrownBy(building)
                        .isInstanceOf(TensorFormatException.class)
                        .hasMessageContaining("transformer_blocks.0.attn.norm_q.weight")
                        .hasMessageContaining("(" + golden.attentionHeadDim() + ")")
                        .hasMessageContaining("(" + headDim + ")");
            }
        }
    }

    @Test
    void refusesACheckpointWithBlocksTheConfigDoesNotHave() throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(goldens.file("transformer_config.json").toFile());
        int layers = json.get("num_layers").asInt();
        json.put("num_layers", layers - 1);
        TransformerConfig config = TransformerConfig.fromJson(json);
        try (NDManager manager = NDManager.newBaseManager(); SafetensorsWeights weights = openWeights()) {
            for (ThrowingCallable building : loadAndCheck(weights, config, manager)) {
                assertThatThrownBy(building)
                        .isInstanceOf(TensorFormatException.class)
                        .hasMessageContaining("transformer_blocks." + (layers - 1) + ".");
            }
        }
    }

    @Test
    void theHeaderCheckAcceptsTheGoldenCheckpoint() throws IOException {
        TransformerConfig config = TransformerConfig.read(goldens.file("transformer_config.json"));
        try (SafetensorsWeights weights = openWeights()) {
            PackedTransformer.checkCheckpoint(weights, config);
        }
    }

    @Test
    void rejectsRopeAxesThatDoNotFillTheHead() {
        ObjectNode json = new ObjectMapper().createObjectNode().put("attention_head_dim", 16);
        json.putArray("rope_axes_dim").add(4).add(4).add(4);
        assertThatThrownBy(() -> TransformerConfig.fromJson(json)).hasMessageContaining("rope_axes_dim");
    }

    private SafetensorsWeights openWeights() throws IOException {
        return SafetensorsWeights.open(goldens.file("transformer.safetensors"), Precision.FLOAT32, new DjlKernels());
    }

    /** Loading the model and checking the headers only: both must refuse a misfit alike. */
    private static List<ThrowingCallable> loadAndCheck(SafetensorsWeights weights, TransformerConfig config,
                                                       NDManager manager) {
        return List.of(() -> PackedTransformer.load(weights, config, new DjlKernels(), manager).close(),
                () -> PackedTransformer.checkCheckpoint(weights, config));
    }

    /**
     * The golden checkpoint with {@code key} renamed in its header (last letter changed, so every
     * offset stays): a checkpoint that lacks the key, as an incomplete conversion or another model.
     */
    private Path withRenamedKey(Path dir, String key) throws IOException {
        byte[] bytes = Files.readAllBytes(goldens.file("transformer.safetensors"));
        byte[] quoted = ("\"" + key + "\"").getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, quoted);
        assertThat(at).as(key + " in the header").isNotNegative();
        bytes[at + quoted.length - 2] = 'X';
        Path file = dir.resolve("transformer.safetensors");
        Files.write(file, bytes);
        return file;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
