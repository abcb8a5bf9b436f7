package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Latent sides that are not multiples of the 2× and 4× patches (the golden case has none): the
 * contexts are replicate-padded, and conv tokens and pooled RoPE rows must still line up.
 */
class PackingShapesTest {

    @Test
    void padsCompressedContextsOfOddSizedLatents() throws IOException {
        GoldenCases goldens = GoldenCases.load();
        TransformerConfig config = TransformerConfig.read(goldens.file("transformer_config.json"));
        try (NDManager manager = NDManager.newBaseManager();
             PackedTransformer model = PackedTransformer.withRandomWeights(config, Precision.FLOAT32, new DjlKernels(),
                     manager, 1, BlockResidency.ALL)) {
            long h = 12;
            long w = 10;
            TransformerInputs inputs = new TransformerInputs(
                    new TransformerInputs.NoisyLatents(manager.randomNormal(new Shape(1, 16, 9, h, w)),
                            ForwardCase.noisy(goldens, manager).timestep(),
                            manager.arange(19, 28, 1, DataType.INT64).expandDims(0)),
                    new TransformerInputs.PackedContext(
                            new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, 16, 2, h, w)),
                                    manager.create(new long[][] {{0, 28}})),
                            new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, 16, 2, h, w)),
                                    manager.create(new long[][] {{29, 30}})),
                            new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, 16, 16, h, w)),
                                    manager.arange(31, 47, 1, DataType.INT64).expandDims(0))),
                    ForwardCase.conditioning(goldens, manager));
            PatchEmbedders.PackedTokens packed = model.pack(inputs);
            // 4×: 4 · ⌈12/8⌉ · ⌈10/8⌉ = 16; 2×: 1 · 3 · 3 = 9; 1×: 2 · 6 · 5 = 60; noisy: 9 · 6 · 5 = 270.
            assertThat(packed.tokens().getShape().get(1)).isEqualTo(16 + 9 + 60 + 270);
            assertThat(packed.ropeTable().getShape().get(1)).isEqualTo(packed.tokens().getShape().get(1));
            NDArray velocity = model.forward(inputs);
            assertThat(velocity.getShape()).isEqualTo(inputs.noisy().latents().getShape());
            assertThat(velocity.isNaN().any().getBoolean()).isFalse();
        }
    }
}
