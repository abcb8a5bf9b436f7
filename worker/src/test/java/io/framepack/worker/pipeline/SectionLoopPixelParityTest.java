package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.runtime.output.PixelFrames;
import io.framepack.worker.sampling.NoiseSource;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.VaeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.framepack.worker.ParityAssert.relativeMaxError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Whole golden jobs with the real tiny transformer and VAE, fed the recorded noise and start
 * latent: the video after the first section, the final video (section decodes blended over their
 * overlaps) and its 8-bit frames against the official run; and, for the first job, the same
 * video bit for bit after a stop and a resume from the saved state.
 */
class SectionLoopPixelParityTest extends TinyGoldenJobTest {
    private static final double TOLERANCE = 1e-3;

    private static SafetensorsWeights vaeWeights;
    private static HunyuanVideoVae vae;

    @BeforeAll
    static void loadVae() throws IOException {
        vaeWeights = SafetensorsWeights.open(goldens.file("vae.safetensors"), Precision.FLOAT32, kernels);
        vae = HunyuanVideoVae.load(vaeWeights, VaeConfig.read(goldens.file("vae_config.json")), DataType.FLOAT32,
                kernels, manager, false);
    }

    @AfterAll
    static void closeVae() throws IOException {
        vae.close();
        vaeWeights.close();
    }

    @Test
    void firstSectionAndFinalVideoOfEveryJob() {
        List<String> report = new ArrayList<>();
        for (String job : goldens.jobCases()) {
            JsonNode info = goldens.caseInfo(job);
            try (NDManager m = manager.newSubManager()) {
                NoiseSource recorded = (index, shape, target) -> goldens.tensor(job, "s" + index + "_noise", target);
                SectionLoop loop = loop(info, recorded, m);
                List<Double> errors = new ArrayList<>();
                try (SectionLoopState state = loop.start(goldens.tensor(job, "start_latent", m))) {
                    loop.run(state, new GenerationListener() {
                        @Override
                        public void onSectionDone(int section, int sections, SectionLoopState done) {
                            JsonNode log = info.path("section_log").get(section);
                            assertThat(done.historyPixels().getShape().get(2)).as("%s s%d pixel frames", job, section)
                                    .isEqualTo(log.path("pixel_frames").asLong());
                            if (section == 0) {
                                try (NDManager g = done.manager().newSubManager()) {
                                    double error = relativeMaxError(done.historyPixels(), goldens.tensor(job, "s0_pixels", g));
                                    report.add(String.format("%s s0_pixels %.2e", job, error));
                                    errors.add(error);
                                }
                            }
                        }
                    });
                    NDArray pixels = state.historyPixels();
                    double error = relativeMaxError(pixels, goldens.tensor(job, "final_pixels", m));
                    errors.add(error);
                    int[] frameDifferences = uint8Differences(pixels, goldens.tensor(job, "final_frames_uint8", m));
                    report.add(String.format("%s final_pixels %.2e, uint8: %d of %d values differ (max %d)", job, error,
                            frameDifferences[0], frameDifferences[2], frameDifferences[1]));
                    assertThat(frameDifferences[1]).as("%s largest uint8 difference", job).isLessThanOrEqualTo(1);
                    assertThat((double) frameDifferences[0] / frameDifferences[2]).as("%s share of uint8 values off by one", job)
                            .isLessThanOrEqualTo(1e-3);
                    if (job.equals(goldens.jobCases().get(0))) {
                        assertThat(resumedAfterFirstSection(info, recorded, m).contentEquals(pixels))
                                .as("%s video resumed from a saved state after section 0", job).isTrue();
                    }
                }
                assertThat(errors).allSatisfy(e -> assertThat(e).isLessThanOrEqualTo(TOLERANCE));
            }
        }
        System.out.println("job pixel parity: " + report);
    }

    /**
     * The final video of a job stopped at the first step of its second section, saved (pixels
     * included) and continued in a fresh loop from the saved state.
     */
    private static NDArray resumedAfterFirstSection(JsonNode info, NoiseSource noise, NDManager m) {
        String job = goldens.jobCases().get(0);
        Map<String, NDArray> saved = new HashMap<>();
        int sections;
        SectionLoop first = loop(info, noise, m);
        try (SectionLoopState state = first.start(goldens.tensor(job, "start_latent", m))) {
            first.runSection(state, GenerationListener.NONE);
            assertThatThrownBy(() -> first.run(state, new StopAfterSteps(1))).isInstanceOf(StopAfterSteps.Stopped.class);
            assertThat(state.sectionsCompleted()).isEqualTo(1);
            state.tensors().forEach((name, array) -> {
                NDArray copy = array.duplicate();
                copy.attach(m);
                saved.put(name, copy);
            });
            sections = state.sectionsCompleted();
        }
        SectionLoop resumed = loop(info, noise, m);
        try (SectionLoopState state = SectionLoopState.restore(resumed.schedule(), saved, sections, m)) {
            resumed.run(state, GenerationListener.NONE);
            NDArray pixels = state.historyPixels().duplicate();
            pixels.attach(m);
            return pixels;
        }
    }

    private static SectionLoop loop(JsonNode info, NoiseSource noise, NDManager m) {
        return new SectionLoop(JobCases.job(goldens, info, noise, m), new SectionLoop.Models(
                new TransformerVelocity(transformer, 0), new Numerics(Precision.FLOAT32, kernels), vae::decode), m);
    }

    /** {count of differing values, largest difference, total values} of the official uint8 conversion. */
    private static int[] uint8Differences(NDArray pixels, NDArray expected) {
        assertThat(pixels.getShape()).isEqualTo(expected.getShape());
        float[] values = pixels.toType(DataType.FLOAT32, false).toFloatArray();
        byte[] reference = expected.toByteArray();
        int differing = 0;
        int largest = 0;
        for (int i = 0; i < values.length; i++) {
            int difference = Math.abs((PixelFrames.toUint8(values[i]) & 0xFF) - (reference[i] & 0xFF));
            if (difference != 0) {
                differing++;
                largest = Math.max(largest, difference);
            }
        }
        return new int[] {differing, largest, values.length};
    }
}
