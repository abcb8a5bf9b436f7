package io.framepack.worker.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.framepack.worker.ParityAssert.assertClose;
import static io.framepack.worker.ParityAssert.relativeMaxError;
import static org.assertj.core.api.Assertions.assertThat;

/** SigLIP preprocessing and vision tower against the official processor and model. */
class SiglipParityTest {
    private static final String CASE = "image_encoder_case";
    private static final double TOLERANCE = 1e-4;
    private final GoldenCases goldens = GoldenCases.load();

    /** The golden processor resized with libtorch's uint8 kernel: reproduced bit for bit. */
    @Test
    void preprocessingMatchesTheReferenceProcessorExactly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray actual = preprocessor()
                    .pixelValues(GoldenImages.rgb(goldens.tensor(CASE, "image", manager)), manager);
            NDArray expected = goldens.tensor(CASE, "pixel_values", manager);
            double error = relativeMaxError(actual, expected);
            System.out.printf("%s pixel_values relative max error %.3e (libtorch uint8 resize)%n", CASE, error);
            assertThat(error).isLessThanOrEqualTo(1e-6);
        }
    }

    /**
     * The Pillow resize of FramePack's pinned transformers differs from the golden's libtorch resize
     * only in weight precision: at most one uint8 step, on at most 0.1 % of the values.
     */
    @Test
    void pillowPreprocessingIsWithinOneStepOfTheReference() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] actual = preprocessor().withResizeArithmetic(PillowResampler.FixedPoint.PILLOW)
                    .pixelValues(GoldenImages.rgb(goldens.tensor(CASE, "image", manager)), manager).toFloatArray();
            float[] expected = goldens.tensor(CASE, "pixel_values", manager).toFloatArray();
            float step = 2f / 255f;
            int offByOneStep = 0;
            for (int i = 0; i < expected.length; i++) {
                float error = Math.abs(actual[i] - expected[i]);
                assertThat(error).as("pixel value %d", i).isLessThanOrEqualTo(step * 1.0001f);
                if (error > 1e-6f) {
                    offByOneStep++;
                }
            }
            System.out.printf("%s pixel_values (Pillow resize): %d of %d values one uint8 step off%n", CASE,
                    offByOneStep, expected.length);
            assertThat(offByOneStep).isLessThanOrEqualTo(expected.length / 1000);
        }
    }

    @Test
    void lastHiddenStateMatches() throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("image_encoder.safetensors"),
                     Precision.FLOAT32, new DjlKernels());
             SiglipVisionEncoder encoder = SiglipVisionEncoder.load(weights,
                     SiglipVisionConfig.read(goldens.file("image_encoder_config.json")), new DjlKernels(), manager)) {
            NDArray expected = goldens.tensor(CASE, "last_hidden_state", manager);
            NDArray fromImage = encoder.encode(preprocessor()
                    .pixelValues(GoldenImages.rgb(goldens.tensor(CASE, "image", manager)), manager));
            NDArray fromPillow = encoder.encode(preprocessor().withResizeArithmetic(PillowResampler.FixedPoint.PILLOW)
                    .pixelValues(GoldenImages.rgb(goldens.tensor(CASE, "image", manager)), manager));
            System.out.printf("%s last_hidden_state relative max error %.3e (from the image), %.3e (Pillow resize)%n",
                    CASE, relativeMaxError(fromImage, expected), relativeMaxError(fromPillow, expected));
            assertClose(CASE, fromImage, expected, TOLERANCE);
            assertClose(CASE + " with the Pillow resize", fromPillow, expected, 2e-3);
        }
    }

    /** The manifest records the processor settings under its own names; map them onto preprocessor_config.json's. */
    private SiglipPreprocessor preprocessor() {
        JsonNode processor = goldens.caseInfo(CASE).path("processor");
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.put("resample", processor.path("resample").asText().contains("PIL 3") ? 3 : 1);
        config.put("rescale_factor", processor.path("rescale").asDouble());
        config.set("image_mean", processor.path("mean"));
        config.set("image_std", processor.path("std"));
        int size = processor.path("size").asInt();
        config.putObject("size").put("height", size).put("width", size);
        return SiglipPreprocessor.fromJson(config);
    }
}
