package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Prompt → PromptEmbedding with the tiny golden towers and tokenizers written by the test. */
class PromptEncoderTest {
    private static NDManager manager;
    private static SafetensorsWeights llamaWeights;
    private static SafetensorsWeights clipWeights;
    private static LlamaTextEncoder llama;
    private static ClipTextEncoder clip;
    private static LlamaConfig llamaConfig;
    private static ClipTextConfig clipConfig;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        GoldenCases goldens = GoldenCases.load();
        manager = NDManager.newBaseManager();
        llamaWeights = SafetensorsWeights.open(goldens.file("text_encoder.safetensors"), Precision.FLOAT32,
                new DjlKernels());
        clipWeights = SafetensorsWeights.open(goldens.file("text_encoder_2.safetensors"), Precision.FLOAT32,
                new DjlKernels());
        llamaConfig = LlamaConfig.read(goldens.file("text_encoder_config.json"));
        clipConfig = ClipTextConfig.read(goldens.file("text_encoder_2_config.json"));
        llama = LlamaTextEncoder.load(llamaWeights, llamaConfig, LlamaTextEncoder.HUNYUAN_SKIPPED_LAYERS,
                new DjlKernels(), manager);
        clip = ClipTextEncoder.load(clipWeights, clipConfig, new DjlKernels(), manager);
    }

    @AfterAll
    static void close() throws IOException {
        llama.close();
        clip.close();
        llamaWeights.close();
        clipWeights.close();
        manager.close();
    }

    private PromptEncoder encoder(int maxPromptTokens) throws IOException {
        return new PromptEncoder(
                LlamaPromptTokenizer.open(TestTokenizers.llamaTokenizerJson(dir), TestTokenizers.TEMPLATE, maxPromptTokens),
                ClipPromptTokenizer.open(TestTokenizers.clipFolder(dir.resolve("clip")), 77));
    }

    @Test
    void cropsTheTemplatePadsTo512AndPoolsClip() throws IOException {
        try (PromptEncoder encoder = encoder(256); NDManager m = manager.newSubManager()) {
            PromptEmbedding embedding = encoder.encode("a cat walks", llama, clip, Precision.FLOAT32,
                    new DjlKernels(), m);
            assertThat(embedding.llamaStates().getShape().getShape()).containsExactly(1, 512, llamaConfig.hiddenSize());
            assertThat(embedding.llamaMask().getDataType()).isEqualTo(DataType.BOOLEAN);
            // "a cat walks" + <|eot_id|>
            assertThat(embedding.llamaMask().toType(DataType.INT32, false).sum().getLong()).isEqualTo(4L);
            assertThat(embedding.llamaMask().get(new NDIndex(":, :4")).all().getBoolean()).isTrue();
            assertThat(embedding.truncated()).isFalse();

            long[] ids = {0, 1, 5, 2, 7, 8, 3, 1, 6, 2, 9, 10, 11, 3};
            NDArray direct = llama.encode(ids).get(new NDIndex(":, 10:"));
            assertThat(embedding.llamaStates().get(new NDIndex(":, :4")).sub(direct).abs().max().getFloat())
                    .isZero();
            assertThat(embedding.llamaStates().get(new NDIndex(":, 4:")).abs().max().getFloat()).isZero();
            assertThat(embedding.clipPooled().getShape().getShape()).containsExactly(1, clipConfig.hiddenSize());
        }
    }

    @Test
    void emptyPromptKeepsOnlyTheClosingToken() throws IOException {
        try (PromptEncoder encoder = encoder(256); NDManager m = manager.newSubManager()) {
            PromptEmbedding embedding = encoder.encode("", llama, clip, Precision.FLOAT32, new DjlKernels(), m);
            assertThat(embedding.llamaMask().toType(DataType.INT32, false).sum().getLong()).isEqualTo(1L);
            assertThat(embedding.truncated()).isFalse();
            assertThat(embedding.clipPooled().isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void longPromptsAreTruncatedAndSaySo() throws IOException {
        try (PromptEncoder encoder = encoder(3); NDManager m = manager.newSubManager()) {
            PromptEmbedding embedding = encoder.encode("a cat walks a cat walks", llama, clip, Precision.FLOAT32,
                    new DjlKernels(), m);
            assertThat(embedding.truncated()).isTrue();
            assertThat(embedding.llamaMask().toType(DataType.INT32, false).sum().getLong()).isEqualTo(3L);
        }
    }
}
