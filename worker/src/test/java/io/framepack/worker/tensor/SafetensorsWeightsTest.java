package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.transformer.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsWeightsTest {
    private final GoldenCases goldens = GoldenCases.load();

    @Test
    void readsTheOfficialTransformerKeys() throws IOException {
        try (SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"),
                Precision.FLOAT32, new DjlKernels()); NDManager manager = NDManager.newBaseManager()) {
            assertThat(weights.keys()).contains("x_embedder.proj.weight", "clean_x_embedder.proj_4x.weight",
                    "transformer_blocks.0.attn.norm_added_q.weight", "proj_out.weight");
            NDArray w = weights.get("x_embedder.proj.weight", manager);
            TransformerConfig config = TransformerConfig.read(goldens.file("transformer_config.json"));
            assertThat(w.getShape().getShape()).containsExactly(config.innerDim(), config.inChannels(),
                    config.patchSizeT(), config.patchSize(), config.patchSize());
            assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    @Test
    void widensHalfAndBfloat16ExactlyToFloat32(@TempDir Path dir) throws IOException {
        // 1.5, -2.0, 3.140625 are exact in bf16 and f16; 65504 (the f16 maximum) truncates to bf16 65280.
        float[] values = {1.5f, -2.0f, 3.140625f, 65504f};
        Map<String, byte[]> tensors = new LinkedHashMap<>();
        ByteBuffer bf16 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f16 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        short[] halfBits = {0x3E00, (short) 0xC000, 0x4248, 0x7BFF};
        for (int i = 0; i < values.length; i++) {
            bf16.putShort((short) (Float.floatToIntBits(values[i]) >>> 16));
            f16.putShort(halfBits[i]);
        }
        tensors.put("bf", bf16.array());
        tensors.put("half", f16.array());
        Path file = dir.resolve("w.safetensors");
        writeRaw(file, Map.of("bf", "BF16", "half", "F16"), tensors, 4);
        try (SafetensorsWeights weights = SafetensorsWeights.open(file, Precision.FLOAT32, new DjlKernels());
             NDManager manager = NDManager.newBaseManager()) {
            assertThat(weights.get("bf", manager).toFloatArray()).containsExactly(1.5f, -2.0f, 3.140625f, 65280f);
            assertThat(weights.get("half", manager).toFloatArray()).containsExactly(values);
        }
    }

    @Test
    void followsAShardedIndexAndNamesWhatIsMissing(@TempDir Path dir) throws IOException {
        writeRaw(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a", "F32"), Map.of("a", new byte[4]), 1);
        writeRaw(dir.resolve("model-00002-of-00002.safetensors"), Map.of("b", "F32"), Map.of("b", new byte[4]), 1);
        String index = "{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                + "\"b\":\"model-00002-of-00002.safetensors\"}}";
        Files.writeString(dir.resolve("model.safetensors.index.json"), index);
        try (SafetensorsWeights weights = SafetensorsWeights.open(dir, Precision.FLOAT32, new DjlKernels())) {
            assertThat(weights.keys()).containsExactlyInAnyOrder("a", "b");
            assertThatThrownBy(() -> weights.get("c", NDManager.newBaseManager()))
                    .isInstanceOf(TensorFormatException.class).hasMessageContaining("weight c is missing");
        }
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> SafetensorsWeights.open(dir, Precision.FLOAT32, new DjlKernels()))
                .hasMessageContaining("model-00002-of-00002.safetensors").hasMessageContaining("missing");
    }

    @Test
    void rejectsATruncatedFileWithItsName(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(goldens.file("vae.safetensors"));
        Path truncated = dir.resolve("vae.safetensors");
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> SafetensorsFile.open(truncated))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("vae.safetensors").hasMessageContaining("truncated");
        Files.write(truncated, "not a tensor file at all".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafetensorsFile.open(truncated)).isInstanceOf(TensorFormatException.class);
    }

    /** Writes a safetensors file by hand (independent of the project's writer). */
    static void writeRaw(Path file, Map<String, String> dtypes, Map<String, byte[]> data, long elements) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, byte[]> e : data.entrySet()) {
            if (header.length() > 1) {
                header.append(',');
            }
            header.append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(dtypes.get(e.getKey()))
                    .append("\",\"shape\":[").append(elements).append("],\"data_offsets\":[").append(offset)
                    .append(',').append(offset + e.getValue().length).append("]}");
            offset += e.getValue().length;
        }
        byte[] headerBytes = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + headerBytes.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerBytes.length).put(headerBytes);
        data.values().forEach(out::put);
        Files.write(file, out.array());
    }
}
