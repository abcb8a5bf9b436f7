package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.sampling.NoiseSource;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.OwnedArrays;
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
 * latent: the video after the first section, the final video's 8-bit frames (section decodes
 * blended over their overlaps) and the frames still open for a blend against the official run;
 * and, for the first job, the same video bit for bit after a stop and a resume from the saved state.
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
                // The first decode is the video after section 0; the state settles most of it in 8 bits at once.
                NDArray[] firstDecode = new NDArray[1];
                SectionLoop loop = loop(info, recorded, m, latents -> {
                    NDArray decoded = vae.decode(latents);
                    if (firstDecode[0] == null) {
                        firstDecode[0] = decoded.duplicate();
                        firstDecode[0].attach(m);
                    }
                    return decoded;
                });
                List<Double> errors = new ArrayList<>();
                try (SectionLoopState state = loop.start(goldens.tensor(job, "start_latent", m))) {
                    loop.run(state, new GenerationListener() {
                        @Override
                        public void onSectionDone(int section, int sections, SectionLoopState done) {
                            JsonNode log = info.path("section_log").get(section);
                            assertThat(done.pixels().frameCount()).as("%s s%d pixel frames", job, section)
                                    .isEqualTo(log.path("pixel_frames").asInt());
                        }
                    });
                    double first = relativeMaxError(firstDecode[0], goldens.tensor(job, "s0_pixels", m));
                    report.add(String.format("%s s0_pixels %.2e", job, first));
                    errors.add(first);
                    PixelHistory pixels = state.pixels();
                    NDArray expected = goldens.tensor(job, "final_pixels", m);
                    long frames = expected.getShape().get(2);
                    long openFrames = pixels.open().getShape().get(2);
                    long openStart = loop.schedule().growsAtStart() ? 0 : frames - openFrames;
                    double open = relativeMaxError(pixels.open(), SectionSchedule.frames(expected, openStart, openStart + openFrames));
                    errors.add(open);
                    int[] frameDifferences = uint8Differences(pixels, goldens.tensor(job, "final_frames_uint8", m));
                    report.add(String.format("%s final open pixels %.2e, uint8: %d of %d values differ (max %d)", job, open,
                            frameDifferences[0], frameDifferences[2], frameDifferences[1]));
                    assertThat(frameDifferences[1]).as("%s largest uint8 difference", job).isLessThanOrEqualTo(1);
                    assertThat((double) frameDifferences[0] / frameDifferences[2]).as("%s share of uint8 values off by one", job)
                            .isLessThanOrEqualTo(1e-3);
                    if (job.equals(goldens.jobCases().get(0))) {
                        Resumed resumed = resumedAfterFirstSection(info, recorded, m);
                        assertThat(resumed.rgb()).as("%s video resumed from a saved state after section 0", job)
                                .isEqualTo(RgbVideos.all(pixels));
                        assertThat(resumed.open().contentEquals(pixels.open())).as("%s open pixels after the resume", job)
                                .isTrue();
                    }
                }
                assertThat(errors).allSatisfy(e -> assertThat(e).isLessThanOrEqualTo(TOLERANCE));
            }
        }
        System.out.println("job pixel parity: " + report);
    }

    /** A resumed job's final video: its 8-bit frames and the open pixels it ended with. */
    private record Resumed(byte[] rgb, NDArray open) {
    }

    /**
     * The final video of a job stopped at the first step of its second section, saved (pixels
     * included) and continued in a fresh loop from the saved state.
     */
    private static Resumed resumedAfterFirstSection(JsonNode info, NoiseSource noise, NDManager m) {
        String job = goldens.jobCases().get(0);
        Map<String, NDArray> saved = new HashMap<>();
        int sections;
        SectionLoop first = loop(info, noise, m, vae::decode);
        try (SectionLoopState state = first.start(goldens.tensor(job, "start_latent", m))) {
            first.runSection(state, GenerationListener.NONE);
            assertThatThrownBy(() -> first.run(state, new StopAfterSteps(1))).isInstanceOf(StopAfterSteps.Stopped.class);
            assertThat(state.sectionsCompleted()).isEqualTo(1);
            state.tensors().forEach((name, array) -> {
                NDArray copy = array.duplicate();
                copy.attach(m);
                saved.put(name, copy);
            });
            PixelHistory pixels = state.pixels();
            int settled = pixels.settledFrames();
            if (settled > 0) {
                saved.put(SectionLoopState.SETTLED_PIXELS, OwnedArrays.copyOf(pixels.settledBytes(0, settled),
                        new Shape(1, 3, settled, pixels.height(), pixels.width()), DataType.UINT8, m));
            }
            sections = state.sectionsCompleted();
        }
        SectionLoop resumed = loop(info, noise, m, vae::decode);
        try (SectionLoopState state = SectionLoopState.restore(resumed.schedule(), saved, sections, m)) {
            resumed.run(state, GenerationListener.NONE);
            NDArray open = state.pixels().open().duplicate();
            open.attach(m);
            return new Resumed(RgbVideos.all(state.pixels()), open);
        }
    }

    private static SectionLoop loop(JsonNode info, NoiseSource noise, NDManager m, VideoDecoder decoder) {
        return new SectionLoop(JobCases.job(goldens, info, noise, m), new SectionLoop.Models(
                new TransformerVelocity(transformer, 0), new Numerics(Precision.FLOAT32, kernels), decoder), m);
    }

    /** {count of differing values, largest difference, total values} of the 8-bit frames against the official ones {@code [1,3,F,H,W]}. */
    private static int[] uint8Differences(VideoFrames frames, NDArray expected) {
        assertThat(expected.getShape().get(2)).isEqualTo(frames.frameCount());
        int differing = 0;
        int largest = 0;
        int total = 0;
        for (int f = 0; f < frames.frameCount(); f++) {
            byte[] actual = frames.rgb(f);
            byte[] reference;
            try (NDArray frame = expected.get("0, :, {}", f)) {
                reference = PixelFrames.interleaved(frame.toByteArray());
            }
            assertThat(actual).hasSameSizeAs(reference);
            for (int i = 0; i < actual.length; i++) {
                int difference = Math.abs((actual[i] & 0xFF) - (reference[i] & 0xFF));
                if (difference != 0) {
                    differing++;
                    largest = Math.max(largest, difference);
                }
            }
            total += actual.length;
        }
        return new int[] {differing, largest, total};
    }
}
