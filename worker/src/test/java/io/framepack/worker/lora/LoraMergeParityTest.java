package io.framepack.worker.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.framepack.worker.ParityAssert;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.TensorDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LoRA merges against musubi-tuner's merge-at-load and FramePack-Studio's PEFT adapters on the tiny
 * transformer (goldens/creative/lora_case): the same LoRA in kohya and diffusers names, and two LoRAs
 * with different scales stacked on one layer.
 */
class LoraMergeParityTest {
    private static final Path CREATIVE = Path.of("src/test/resources/goldens/creative");
    private static final Path TRANSFORMER = Path.of("src/test/resources/goldens/framepack-tiny/transformer.safetensors");

    @TempDir
    Path temp;
    private NDManager manager;
    private Map<String, NDArray> base;

    @BeforeEach
    void loadBase() throws IOException {
        manager = NDManager.newBaseManager("PyTorch");
        base = tensors(TRANSFORMER, "");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void kohyaNamesWithAlphaMergeAsMusubiTuner() throws IOException {
        Map<String, NDArray> merged = merged(base, List.of(scaled("lora1_kohya", 0.8)));
        assertMerged(merged, "merged_one.");
    }

    @Test
    void diffusersNamesMergeAsFramePackStudiosAdapters() throws IOException {
        Map<String, NDArray> merged = merged(base, List.of(scaled("lora1_diffusers", 0.8)));
        assertMerged(merged, "merged_one.");
    }

    @Test
    void twoLorasAddUpOnTheLayerTheyShare() throws IOException {
        Map<String, NDArray> merged = merged(base, List.of(scaled("lora1_kohya", 0.8), scaled("lora2_kohya", -0.5)));
        assertMerged(merged, "merged_two.");
    }

    @Test
    void aModuleTheModelLacksIsNamed() throws IOException {
        Path lora = renamed("lora1_kohya", "lora_unet_transformer_blocks_0_attn_to_q", "lora_unet_transformer_blocks_7_attn_to_q");
        assertThatThrownBy(() -> merged(base, List.of(new LoraMerge.ScaledLora(LoraFile.read(lora, manager), 1))))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("key lora_unet_transformer_blocks_7_attn_to_q.alpha matches no weight of the model");
        Path diffusers = renamed("lora1_diffusers", "transformer.transformer_blocks.0.attn.to_q", "transformer.transformer_blocks.0.attn.to_z");
        assertThatThrownBy(() -> merged(base, List.of(new LoraMerge.ScaledLora(LoraFile.read(diffusers, manager), 1))))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("key transformer.transformer_blocks.0.attn.to_z.lora_A.weight matches no weight");
    }

    @Test
    void aLoraForOtherShapesIsNamed() throws IOException {
        Path lora = renamed("lora1_kohya", "single_transformer_blocks_1_proj_out", "single_transformer_blocks_1_proj_mlp");
        assertThatThrownBy(() -> merged(base, List.of(new LoraMerge.ScaledLora(LoraFile.read(lora, manager), 1))))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("key lora_unet_single_transformer_blocks_1_proj_mlp.alpha makes a 32x160 update")
                .hasMessageContaining("single_transformer_blocks.1.proj_mlp.weight is (128, 32)");
    }

    @Test
    void aKohyaNameTwoWeightsShareIsRefused() throws IOException {
        Map<String, NDArray> clashing = new LinkedHashMap<>(base);
        clashing.put("transformer_blocks_0.attn.to_q.weight", base.get("transformer_blocks.0.attn.to_q.weight"));
        LoraFile lora = LoraFile.read(CREATIVE.resolve("lora1_kohya.safetensors"), manager);
        assertThatThrownBy(() -> merged(clashing, List.of(new LoraMerge.ScaledLora(lora, 1))))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("key lora_unet_transformer_blocks_0_attn_to_q.alpha fits more than one weight");
    }

    @Test
    void filesThatAreNotLorasOfTheTransformerAreRefused() throws IOException {
        Path textEncoderLora = renamed("lora1_kohya", "lora_unet_transformer_blocks_1_ff_net_0", "lora_text_transformer_blocks_1_ff_net_0");
        assertThatThrownBy(() -> LoraFile.read(textEncoderLora, manager)).isInstanceOf(LoraException.class)
                .hasMessageContaining("key lora_text_transformer_blocks_1_ff_net_0_proj.alpha is not a LoRA weight");
        Path unpaired = renamed("lora1_kohya", "lora_unet_transformer_blocks_0_attn_to_q.lora_up",
                "lora_unet_transformer_blocks_0_attn_to_k.lora_up");
        assertThatThrownBy(() -> LoraFile.read(unpaired, manager)).isInstanceOf(LoraException.class)
                .hasMessageContaining("key lora_unet_transformer_blocks_0_attn_to_k.lora_up.weight has no down (A) partner");
        assertThatThrownBy(() -> LoraFile.read(TRANSFORMER, manager)).isInstanceOf(LoraException.class)
                .hasMessageContaining("is not a LoRA weight of the transformer");
    }

    /** Every weight the LoRAs change, merged by the per-key hook the model loader calls, in float32. */
    private static Map<String, NDArray> merged(Map<String, NDArray> model, List<LoraMerge.ScaledLora> loras) {
        LoraMerge merge = LoraMerge.of(model.keySet(), key -> model.get(key).getShape(), loras);
        Map<String, NDArray> merged = new LinkedHashMap<>();
        for (String key : merge.changedKeys()) {
            merged.put(key, merge.apply(key, model.get(key).duplicate()));
        }
        return merged;
    }

    private void assertMerged(Map<String, NDArray> merged, String prefix) throws IOException {
        Map<String, NDArray> expected = tensors(CREATIVE.resolve("lora_case.safetensors"), prefix);
        assertThat(merged.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, NDArray> e : expected.entrySet()) {
            ParityAssert.assertClose(e.getKey(), merged.get(e.getKey()), e.getValue(), 1e-6);
        }
    }

    private LoraMerge.ScaledLora scaled(String name, double scale) throws IOException {
        return new LoraMerge.ScaledLora(LoraFile.read(CREATIVE.resolve(name + ".safetensors"), manager), scale);
    }

    /** The tensors whose key starts with {@code prefix}, keyed without it. */
    private Map<String, NDArray> tensors(Path path, String prefix) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            for (SafetensorsFile.Entry entry : file.entries().values()) {
                if (entry.name().startsWith(prefix)) {
                    tensors.put(entry.name().substring(prefix.length()), TensorDecoder.decode(file, entry, manager));
                }
            }
        }
        return tensors;
    }

    /** A golden LoRA file with one name replaced by another of the same length, offsets unchanged. */
    private Path renamed(String name, String from, String to) throws IOException {
        assertThat(to).hasSameSizeAs(from);
        byte[] bytes = Files.readAllBytes(CREATIVE.resolve(name + ".safetensors"));
        String asText = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(asText).contains(from);
        Path copy = temp.resolve(name + "-renamed.safetensors");
        Files.write(copy, asText.replace(from, to).getBytes(StandardCharsets.ISO_8859_1));
        return copy;
    }
}
