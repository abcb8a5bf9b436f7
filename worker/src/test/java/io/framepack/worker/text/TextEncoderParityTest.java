package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.framepack.worker.ParityAssert.assertClose;
import static io.framepack.worker.ParityAssert.relativeMaxError;

/** The LLaMA and CLIP text towers against the official models (float32, CPU). */
class TextEncoderParityTest {
    private static final double TOLERANCE = 1e-4;
    private final GoldenCases goldens = GoldenCases.load();

    @Test
    void llamaHiddenStatesMinus3MatchOnTheRealTokens() throws IOException {
        String name = "text_encoder_case";
        int validLength = goldens.caseInfo(name).get("valid_length").asInt();
        int cropStart = goldens.caseInfo(name).get("crop_start").asInt();
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("text_encoder.safetensors"),
                     Precision.FLOAT32, new DjlKernels());
             LlamaTextEncoder encoder = LlamaTextEncoder.load(weights,
                     LlamaConfig.read(goldens.file("text_encoder_config.json")),
                     LlamaTextEncoder.HUNYUAN_SKIPPED_LAYERS, new DjlKernels(), manager)) {
            long[] ids = Arrays.copyOf(goldens.tensor(name, "input_ids", manager).toLongArray(), validLength);
            NDArray states = encoder.encode(ids);
            NDArray expected = goldens.tensor(name, "hidden_states_minus3", manager)
                    .get(new NDIndex(":, :{}", validLength));
            NDArray llamaVec = states.get(new NDIndex(":, {}:", cropStart));
            System.out.printf("%s hidden_states[-3] relative max error %.3e, llama_vec %.3e%n", name,
                    relativeMaxError(states, expected),
                    relativeMaxError(llamaVec, goldens.tensor(name, "llama_vec", manager)));
            assertClose(name + " hidden_states[-3]", states, expected, TOLERANCE);
            assertClose(name + " llama_vec", llamaVec, goldens.tensor(name, "llama_vec", manager), TOLERANCE);
        }
    }

    @Test
    void clipPooledOutputMatches() throws IOException {
        String name = "text_encoder_2_case";
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("text_encoder_2.safetensors"),
                     Precision.FLOAT32, new DjlKernels());
             ClipTextEncoder encoder = ClipTextEncoder.load(weights,
                     ClipTextConfig.read(goldens.file("text_encoder_2_config.json")), new DjlKernels(), manager)) {
            NDArray pooled = encoder.pooled(goldens.tensor(name, "input_ids", manager).toLongArray());
            NDArray expected = goldens.tensor(name, "pooler_output", manager);
            System.out.printf("%s pooler_output relative max error %.3e%n", name, relativeMaxError(pooled, expected));
            assertClose(name, pooled, expected, TOLERANCE);
        }
    }
}
