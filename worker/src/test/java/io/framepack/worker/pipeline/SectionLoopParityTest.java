package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.sampling.NoiseSource;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.framepack.worker.ParityAssert.relativeMaxError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole golden jobs through the section loop with the real tiny transformer, fed the recorded
 * noise and start latent: every section's sampled latents and history against the official run,
 * both continuing from the golden history before each section (a resume from a saved state) and
 * in one uninterrupted run.
 */
class SectionLoopParityTest extends TinyGoldenJobTest {
    private static final double TOLERANCE = 1e-3;

    @Test
    void everySectionOfEveryJobResumedFromTheGoldenHistory() {
        forEveryJob("section by section", (job, info, loop, m, parity) -> {
            NDArray start = goldens.tensor(job, "start_latent", m);
            for (int s = 0; s < loop.schedule().sections(); s++) {
                try (SectionLoopState state = s == 0 ? loop.start(start)
                        : SectionLoopState.restore(loop.schedule(), Map.of(
                                SectionLoopState.START_LATENT, start,
                                SectionLoopState.HISTORY_LATENTS, goldens.tensor(job, "s" + (s - 1) + "_history_latents", m)), s, m)) {
                    loop.runSection(state, GenerationListener.NONE);
                    parity.compare(state, s);
                }
            }
        });
    }

    @Test
    void everyJobInOneRun() {
        forEveryJob("uninterrupted", (job, info, loop, m, parity) -> {
            List<Integer> stepsSeen = new ArrayList<>();
            try (SectionLoopState state = loop.start(goldens.tensor(job, "start_latent", m))) {
                loop.run(state, new GenerationListener() {
                    @Override
                    public void onStep(int section, int sections, int step, int steps, NDArray denoised) {
                        stepsSeen.add(step);
                    }

                    @Override
                    public void onSectionDone(int section, int sections, SectionLoopState done) {
                        parity.compare(done, section);
                    }
                });
                assertThat(state.sectionsCompleted()).isEqualTo(info.path("sections").asInt());
            }
            assertThat(stepsSeen).hasSize(info.path("sections").asInt() * info.path("steps").asInt());
        });
    }

    /** Compares a section's state with the golden log of its job. */
    @FunctionalInterface
    private interface SectionParity {
        void compare(SectionLoopState state, int section);
    }

    @FunctionalInterface
    private interface JobCheck {
        void run(String job, JsonNode info, SectionLoop loop, NDManager m, SectionParity parity);
    }

    /** Runs {@code check} on every golden job with a loop fed the recorded noise; every compared section must be within tolerance. */
    private static void forEveryJob(String label, JobCheck check) {
        List<String> report = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (String job : goldens.jobCases()) {
            JsonNode info = goldens.caseInfo(job);
            try (NDManager m = manager.newSubManager()) {
                SectionLoop loop = loop(job, info, m);
                check.run(job, info, loop, m, (state, s) -> compareSection(job, info, loop.schedule(), state, s, report, errors));
            }
        }
        System.out.println("job parity, " + label + ": " + report);
        assertThat(errors).isNotEmpty().allSatisfy(e -> assertThat(e).isLessThanOrEqualTo(TOLERANCE));
    }

    private static SectionLoop loop(String job, JsonNode info, NDManager m) {
        NoiseSource recorded = (index, shape, target) -> {
            NDArray noise = goldens.tensor(job, "s" + index + "_noise", target);
            assertThat(noise.getShape()).isEqualTo(shape);
            return noise;
        };
        return new SectionLoop(JobCases.job(goldens, info, recorded, m), new SectionLoop.Models(
                new TransformerVelocity(transformer, 0), new Numerics(Precision.FLOAT32, kernels), null), m);
    }

    private static void compareSection(String job, JsonNode info, SectionSchedule schedule, SectionLoopState state,
                                       int s, List<String> report, List<Double> errors) {
        JsonNode log = info.path("section_log").get(s);
        assertThat(state.sectionsCompleted()).isEqualTo(s + 1);
        assertThat(state.noiseDraws()).isEqualTo(s + 1);
        assertThat((long) state.generatedLatentFrames()).as("%s s%d frames", job, s)
                .isEqualTo(log.path("total_generated_latent_frames").asLong());
        assertThat(4L * state.generatedLatentFrames() - 3).as("%s s%d pixel frames", job, s)
                .isEqualTo(log.path("pixel_frames").asLong());
        try (NDManager m = state.manager().newSubManager()) {
            NDArray history = state.historyLatents();
            double historyError = relativeMaxError(history, goldens.tensor(job, "s" + s + "_history_latents", m));
            double sampledError = relativeMaxError(sampledFrames(schedule, history, s),
                    goldens.tensor(job, "s" + s + "_sampled", m));
            report.add(String.format("%s s%d: sampled %.2e, history %.2e", job, s, sampledError, historyError));
            errors.add(sampledError);
            errors.add(historyError);
        }
    }

    /** Where the section's K sampled frames sit in the history it just grew. */
    private static NDArray sampledFrames(SectionSchedule schedule, NDArray history, int s) {
        long frames = SectionSchedule.frameCount(history);
        int window = schedule.window();
        if (schedule instanceof F1Schedule) {
            return SectionSchedule.frames(history, frames - window, frames);
        }
        int from = schedule.isLast(s) ? 1 : 0;
        return SectionSchedule.frames(history, from, from + window);
    }
}
