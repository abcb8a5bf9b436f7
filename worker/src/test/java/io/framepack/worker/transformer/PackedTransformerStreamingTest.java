package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Blocks streamed from host memory compute exactly what resident blocks compute: the tiny golden
 * model with a budget that keeps only its first block on the device against the whole model resident.
 */
class PackedTransformerStreamingTest {
    private static GoldenCases goldens;
    private static NDManager manager;
    private static Kernels kernels;
    private static SafetensorsWeights weights;
    private static TransformerConfig config;

    @BeforeAll
    static void open() throws IOException {
        goldens = GoldenCases.load();
        manager = NDManager.newBaseManager();
        kernels = Kernels.load();
        weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"), Precision.FLOAT32, kernels);
        config = TransformerConfig.read(goldens.file("transformer_config.json"));
    }

    @AfterAll
    static void close() throws IOException {
        weights.close();
        kernels.close();
        manager.close();
    }

    @Test
    void streamedBlocksGiveBitIdenticalVelocities() {
        try (PackedTransformer resident = PackedTransformer.load(weights, config, kernels, manager);
             PackedTransformer streamed = PackedTransformer.load(weights, config, kernels, manager,
                     new BlockResidency(bytesWithoutBlocks() + bytesOf("transformer_blocks.0.")));
             NDManager m = manager.newSubManager()) {
            assertThat(resident.residentBlocks()).isEqualTo(4);
            assertThat(streamed.blockCount()).isEqualTo(4);
            assertThat(streamed.residentBlocks()).isEqualTo(1);
            NDArray expected = resident.forward(inputs(m));
            // Twice: the staged host weights serve every forward, not only the first.
            for (int i = 0; i < 2; i++) {
                NDArray actual = streamed.forward(inputs(m));
                assertThat(actual.getShape()).isEqualTo(expected.getShape());
                assertThat(actual.toFloatArray()).isEqualTo(expected.toFloatArray());
            }
        }
    }

    @Test
    void aBudgetBelowTheFirstBlockIsRefusedWithTheSizes() {
        long tooSmall = bytesWithoutBlocks() + bytesOf("transformer_blocks.0.") - 1;
        assertThatThrownBy(() -> PackedTransformer.load(weights, config, kernels, manager, new BlockResidency(tooSmall)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the first block alone needs " + bytesOf("transformer_blocks.0."));
    }

    private static long bytesWithoutBlocks() {
        return weights.keys().stream().filter(key -> !key.startsWith("transformer_blocks.")
                && !key.startsWith("single_transformer_blocks.")).mapToLong(PackedTransformerStreamingTest::bytes).sum();
    }

    private static long bytesOf(String prefix) {
        return weights.keys().stream().filter(key -> key.startsWith(prefix))
                .mapToLong(PackedTransformerStreamingTest::bytes).sum();
    }

    private static long bytes(String key) {
        try (NDManager m = manager.newSubManager()) {
            return weights.getFloat32(key, m).size() * Float.BYTES;
        }
    }

    private static TransformerInputs inputs(NDManager m) {
        return ForwardCase.inputs(goldens, m);
    }
}
