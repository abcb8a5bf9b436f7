package io.framepack.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.ParityAssert;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.vae.HunyuanVideoVae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model-directory layout, validation before any loading, and identity. */
class ModelDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private List<String> problems(ModelDirectory directory) {
        try {
            directory.validate();
        } catch (ModelDirectoryException e) {
            System.out.println(e.getMessage());
            return e.problems();
        }
        throw new AssertionError("the directory validated");
    }

    @Test
    void tinyModelValidatesAndItsDecoderLoads() throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root).validate();
        GoldenCases goldens = GoldenCases.publicSet();
        try (NDManager manager = NDManager.newBaseManager()) {
            HunyuanVideoVae vae = HunyuanVideoVae.open(directory.path(Component.VAE), new DjlKernels(), manager, false);
            NDArray pixels = vae.decode(goldens.tensor("vae_decode_case", "latents_scaled", manager));
            assertThat(ParityAssert.relativeMaxError(pixels, goldens.tensor("vae_decode_case", "pixels", manager)))
                    .isLessThanOrEqualTo(1e-4);
            assertThatThrownBy(() -> vae.encode(pixels)).hasMessageContaining("without its encoder");
        }
    }

    @Test
    void missingComponentIsNamedWithItsSource() throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        deleteTree(directory.path(Component.VAE));
        Files.delete(directory.path(Component.TOKENIZER).resolve("tokenizer.json"));
        assertThat(problems(directory)).containsExactlyInAnyOrder(
                "hunyuanvideo/vae: missing component folder " + directory.path(Component.VAE)
                        + " (expected hunyuanvideo-community/HunyuanVideo / vae)",
                "hunyuanvideo/tokenizer/tokenizer.json: missing (expected in hunyuanvideo-community/HunyuanVideo / tokenizer)");
        // Validating only what a phase needs ignores the rest.
        directory.validate(EnumSet.of(Component.TRANSFORMER, Component.IMAGE_ENCODER));
    }

    @Test
    void missingShardOfAnIndexIsNamed() throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path folder = directory.path(Component.TRANSFORMER);
        Path first = folder.resolve("diffusion_pytorch_model-00001-of-00002.safetensors");
        Files.move(folder.resolve("model.safetensors"), first);
        ObjectNode index = JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        try (SafetensorsFile file = SafetensorsFile.open(first)) {
            file.entries().keySet().forEach(key -> map.put(key, first.getFileName().toString()));
        }
        map.put("proj_out.extra", "diffusion_pytorch_model-00002-of-00002.safetensors");
        JSON.writeValue(folder.resolve("diffusion_pytorch_model.safetensors.index.json").toFile(), index);
        assertThat(problems(directory)).singleElement().asString()
                .startsWith("framepack: ")
                .contains("names shard diffusion_pytorch_model-00002-of-00002.safetensors, which is missing");
    }

    @Test
    void truncatedWeightsAreNamed() throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        Path weights = directory.path(Component.VAE).resolve("model.safetensors");
        try (RandomAccessFile file = new RandomAccessFile(weights.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        assertThat(problems(directory)).singleElement().asString()
                .startsWith("hunyuanvideo/vae: ").contains("vae/model.safetensors");
    }

    @Test
    void configThatDoesNotFitTheWeightsIsNamed() throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        editConfig(directory.path(Component.VAE), c -> c.putArray("block_out_channels").add(8).add(16).add(16).add(32));
        editConfig(directory.path(Component.TEXT_ENCODER), c -> c.put("num_hidden_layers", 5));
        Files.writeString(directory.path(Component.IMAGE_ENCODER).resolve("config.json"), "{\"hidden_size\": ");
        assertThat(problems(directory)).satisfiesExactlyInAnyOrder(
                vae -> assertThat(vae).startsWith("hunyuanvideo/vae: VAE weight ").contains("the config implies"),
                text -> assertThat(text).isEqualTo(
                        "hunyuanvideo/text_encoder: LLaMA text encoder weight layers.4.input_layernorm.weight (32)"
                                + " is missing from the checkpoint"),
                image -> assertThat(image).startsWith("flux_redux_bfl/image_encoder/config.json: not valid JSON"));
    }

    /** Same width, twice the heads at half the size: only the per-head norms of the first block misfit. */
    @Test
    void transformerWeightThatDoesNotFitItsConfigIsNamedWithBothShapes() throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        editConfig(directory.path(Component.TRANSFORMER), c -> {
            c.put("num_attention_heads", 4).put("attention_head_dim", 8);
            c.putArray("rope_axes_dim").add(2).add(2).add(4);
        });
        assertThat(problems(directory)).containsExactly("framepack: transformer weight "
                + "transformer_blocks.0.attn.norm_q.weight has shape (16) in the checkpoint, but the config implies (8)");
    }

    @Test
    void identityIsStableAndFollowsConfigsAndHeaders(@TempDir Path other) throws IOException {
        ModelDirectory directory = TinyModel.extractTo(root);
        String identity = directory.identity();
        assertThat(TinyModel.extractTo(other).identity()).isEqualTo(identity);
        editConfig(directory.path(Component.TRANSFORMER), c -> c.put("rope_theta", 257.0));
        assertThat(directory.identity()).isNotEqualTo(identity);
    }

    private interface ConfigEdit {
        void apply(ObjectNode config);
    }

    private static void editConfig(Path folder, ConfigEdit edit) throws IOException {
        Path file = folder.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        edit.apply(config);
        JSON.writeValue(file.toFile(), config);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
