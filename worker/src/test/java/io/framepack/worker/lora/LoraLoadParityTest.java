package io.framepack.worker.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.nn.Parameters;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorDecoder;
import io.framepack.worker.transformer.BlockResidency;
import io.framepack.worker.transformer.ForwardCase;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.framepack.worker.ParityAssert.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * LoRAs merged while the tiny transformer is loaded (the per-key hook of {@link Parameters}) against
 * FramePack-Studio's forward with the same LoRA as PEFT adapters (goldens/creative/lora_case
 * {@code forward_output}), and the bfloat16 read of a merged weight.
 */
class LoraLoadParityTest {
    /**
     * The tolerance of the plain tiny transformer's parity (PackedTransformerParityTest): the merge adds
     * no error of its own beyond float32 rounding (weights within 1e-6 of musubi-tuner's), and the
     * reference's unmerged adapters differ from its own merged forward by 1.7e-6 (manifest).
     */
    private static final double FORWARD_TOLERANCE = 1e-4;
    private static final Path CREATIVE = Path.of("src/test/resources/goldens/creative");

    private GoldenCases goldens;
    private NDManager manager;

    @BeforeEach
    void open() {
        goldens = GoldenCases.publicSet();
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void theMergedTransformerForwardsAsFramePackStudiosAdapters() throws IOException {
        for (String file : List.of("lora1_kohya", "lora1_diffusers")) {
            try (SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"),
                    Precision.FLOAT32, new DjlKernels());
                 NDManager m = manager.newSubManager();
                 PackedTransformer model = PackedTransformer.load(weights, merge(weights, file, 0.8),
                         TransformerConfig.read(goldens.file("transformer_config.json")), new DjlKernels(), manager,
                         BlockResidency.ALL)) {
                NDArray output = model.forward(ForwardCase.inputs(goldens, m));
                assertClose(file + " forward", output, creative("forward_output", m), FORWARD_TOLERANCE);
            }
        }
    }

    @Test
    void aMergedWeightIsRoundedToBfloat16OnceAfterTheFloat32Sum() throws IOException {
        Kernels kernels = Kernels.load();
        try (kernels) {
            assumeTrue(kernels.supportsBfloat16(), "bfloat16 needs the TorchScript kernel pack");
            String key = "transformer_blocks.0.attn.to_q.weight";
            try (SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"),
                    Precision.BFLOAT16, kernels);
                 NDManager m = manager.newSubManager()) {
                Parameters parameters = Parameters.of("transformer", weights, m, merge(weights, "lora1_kohya", 0.8));
                NDArray merged = parameters.tensor(key, 32, 32).toType(DataType.FLOAT32, false);
                NDArray float32 = creative("merged_one." + key, m);
                NDArray expected = kernels.toBfloat16(float32).toType(DataType.FLOAT32, false);
                // The float32 sums agree with musubi-tuner's to 1e-6, so a rounding can only flip at a tie: one bf16 step.
                NDArray step = expected.abs().mul(Math.pow(2, -7));
                assertThat(merged.sub(expected).abs().lte(step).all().getBoolean()).isTrue();
                assertThat(merged.sub(float32).abs().max().getFloat()).as("rounded, not float32").isGreaterThan(0f);
                NDArray untouched = parameters.tensor("transformer_blocks.0.attn.to_k.weight", 32, 32);
                assertThat(untouched.toType(DataType.FLOAT32, false).toFloatArray()).isEqualTo(
                        weights.get("transformer_blocks.0.attn.to_k.weight", m).toType(DataType.FLOAT32, false)
                                .toFloatArray());
            }
        }
    }

    private LoraMerge merge(SafetensorsWeights weights, String file, double scale) throws IOException {
        LoraFile lora = LoraFile.read(CREATIVE.resolve(file + ".safetensors"), manager);
        return LoraMerge.of(weights.keys(), key -> new Shape(weights.shape(key)),
                List.of(new LoraMerge.ScaledLora(lora, scale)));
    }

    private NDArray creative(String name, NDManager m) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(CREATIVE.resolve("lora_case.safetensors"))) {
            return TensorDecoder.decode(file, file.entry(name), m);
        }
    }
}
