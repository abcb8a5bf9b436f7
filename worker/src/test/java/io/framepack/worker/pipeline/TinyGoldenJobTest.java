package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDManager;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

/** Tests that run whole golden jobs: the golden cases' tiny transformer in float32 on the CPU, loaded once per class. */
abstract class TinyGoldenJobTest {
    static GoldenCases goldens;
    static NDManager manager;
    static DjlKernels kernels;
    static SafetensorsWeights weights;
    static PackedTransformer transformer;

    @BeforeAll
    static void loadModel() throws IOException {
        goldens = GoldenCases.load();
        manager = NDManager.newBaseManager();
        kernels = new DjlKernels();
        weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"), Precision.FLOAT32, kernels);
        transformer = PackedTransformer.load(weights, TransformerConfig.read(goldens.file("transformer_config.json")),
                kernels, manager);
    }

    @AfterAll
    static void close() throws IOException {
        transformer.close();
        weights.close();
        manager.close();
    }
}
