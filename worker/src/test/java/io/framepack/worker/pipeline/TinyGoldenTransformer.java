package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDManager;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;

import java.io.IOException;

/** The golden cases' tiny transformer in float32 on the CPU, for tests that run whole jobs. */
record TinyGoldenTransformer(GoldenCases goldens, NDManager manager, DjlKernels kernels, SafetensorsWeights weights,
                             PackedTransformer transformer) implements AutoCloseable {

    static TinyGoldenTransformer load() throws IOException {
        GoldenCases goldens = GoldenCases.load();
        NDManager manager = NDManager.newBaseManager();
        DjlKernels kernels = new DjlKernels();
        SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"), Precision.FLOAT32, kernels);
        PackedTransformer transformer = PackedTransformer.load(weights,
                TransformerConfig.read(goldens.file("transformer_config.json")), kernels, manager);
        return new TinyGoldenTransformer(goldens, manager, kernels, weights, transformer);
    }

    @Override
    public void close() throws IOException {
        transformer.close();
        weights.close();
        manager.close();
    }
}
