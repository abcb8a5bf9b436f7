package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.sampling.SeededNoise;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

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
                try (SectionLoopState state = loop(info, m).start(start)) {
                    loop(info, m).run(state, GenerationListener.NONE);
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

    /** Runs until the step callback throws after the first step of section {@code stopAt}, saves, and finishes from the save. */
    private static NDArray stopMidSectionAndResume(JsonNode info, NDManager m, NDArray start, int stopAt) {
        StopAfterSteps stop = new StopAfterSteps(stopAt * info.path("steps").asInt() + 1);
        SectionLoop stopping = loop(info, m);
        Map<String, NDArray> savedTensors = new HashMap<>();
        int savedSections;
        try (SectionLoopState state = stopping.start(start)) {
            assertThatThrownBy(() -> stopping.run(state, stop)).isInstanceOf(StopAfterSteps.Stopped.class);
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
        SectionLoop resumedLoop = loop(info, m);
        try (SectionLoopState resumed = SectionLoopState.restore(resumedLoop.schedule(), savedTensors, savedSections, m)) {
            resumedLoop.run(resumed, GenerationListener.NONE);
            NDArray history = resumed.historyLatents().duplicate();
            history.attach(m);
            return history;
        }
    }

    private static SectionLoop loop(JsonNode info, NDManager m) {
        return new SectionLoop(JobCases.job(goldens, info, new SeededNoise(info.path("seed").asLong()), m),
                new SectionLoop.Models(new TransformerVelocity(transformer, TransformerVelocity.OFFICIAL_TEACACHE_THRESHOLD),
                        new Numerics(Precision.FLOAT32, kernels), null), m);
    }
}
