package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.sampling.SeededNoise;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.transformer.Numerics;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A job stopped mid-section, saved, and continued from the saved state in a fresh loop (new noise
 * source, TeaCache on) ends bit-identical to an uninterrupted run, for both schedules.
 */
class SectionLoopResumeTest extends TinyGoldenJobTest {
    @Test
    void stoppedAfterEverySectionAndResumedEqualsTheUninterruptedRun() {
        for (String job : goldens.jobCases()) {
            JsonNode info = goldens.caseInfo(job);
            try (NDManager m = manager.newSubManager()) {
                NDArray start = goldens.tensor(job, "start_latent", m);
                NDArray uninterrupted;
                try (SectionLoopState state = loop(info, m, () -> false).start(start)) {
                    loop(info, m, () -> false).run(state, GenerationListener.NONE);
                    uninterrupted = state.historyLatents().duplicate();
                    uninterrupted.attach(m);
                }
                int sections = info.path("sections").asInt();
                for (int stopAt = 1; stopAt < sections; stopAt++) {
                    NDArray resumed = stopMidSectionAndResume(info, m, start, stopAt);
                    assertThat(resumed.contentEquals(uninterrupted)).as("%s resumed after %d sections", job, stopAt).isTrue();
                }
            }
        }
    }

    /** Runs until a stop arrives in the middle of section {@code stopAt}, saves, and finishes from the save. */
    private static NDArray stopMidSectionAndResume(JsonNode info, NDManager m, NDArray start, int stopAt) {
        int stepsBeforeStop = stopAt * info.path("steps").asInt() + 1;
        AtomicInteger steps = new AtomicInteger();
        SectionLoop stopping = loop(info, m, () -> steps.get() >= stepsBeforeStop);
        Map<String, NDArray> savedTensors = new HashMap<>();
        int savedSections;
        try (SectionLoopState state = stopping.start(start)) {
            GenerationListener counting = new GenerationListener() {
                @Override
                public void onStep(int section, int sections, int step, int total, NDArray denoised) {
                    steps.incrementAndGet();
                }
            };
            assertThatThrownBy(() -> stopping.run(state, counting)).isInstanceOf(GenerationCancelledException.class);
            assertThat(state.sectionsCompleted()).isEqualTo(stopAt);
            state.tensors().forEach((name, array) -> {
                NDArray copy = array.duplicate();
                copy.attach(m);
                savedTensors.put(name, copy);
            });
            savedSections = state.sectionsCompleted();
        }
        // Another job drawing from the process-wide generator in between must not matter.
        new SeededNoise(99).draw(0, start.getShape(), m);
        SectionLoop resumedLoop = loop(info, m, () -> false);
        try (SectionLoopState resumed = SectionLoopState.restore(resumedLoop.schedule(), savedTensors, savedSections, m)) {
            resumedLoop.run(resumed, GenerationListener.NONE);
            NDArray history = resumed.historyLatents().duplicate();
            history.attach(m);
            return history;
        }
    }

    private static SectionLoop loop(JsonNode info, NDManager m, BooleanSupplier stop) {
        return new SectionLoop(JobCases.schedule(info), JobCases.settings(info), JobCases.conditioning(goldens, info, m),
                new TransformerVelocity(transformer, TransformerVelocity.OFFICIAL_TEACACHE_THRESHOLD),
                new Numerics(Precision.FLOAT32, kernels), null, new SeededNoise(info.path("seed").asLong()), m, stop);
    }
}
