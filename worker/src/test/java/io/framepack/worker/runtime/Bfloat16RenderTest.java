package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.tensor.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GPU's compute precision on the CPU: the demo model renders a whole job in bfloat16, from the
 * prompt encode to the MP4. DJL 0.36 aborts the JVM on any bfloat16 array it is asked to create or
 * move by dtype, so a call like that anywhere on the GPU's path ends this test's JVM, as it ended
 * {@code bench render} on the GPU.
 */
class Bfloat16RenderTest {
    @TempDir
    Path dir;

    @Test
    void theDemoModelRendersAWholeJobInBfloat16() {
        RenderSettings settings = new RenderSettings();
        settings.seconds = 2.4;
        settings.steps = 2;
        settings.resolution = DemoModel.RESOLUTION;
        RenderPlan plan = TinyPlans.of("bf16", settings, DemoModel.directory(dir.resolve("model")), null);
        List<ProgressEvent> events = new ArrayList<>();

        ExitCode code = new JobRunner(plan, FramePackRenderer.computingIn(Precision.BFLOAT16),
                new CheckpointStore(new DirectoryStore(dir.resolve("ckpt")), 1),
                new VideoPublisher(new DirectoryStore(dir.resolve("out")), plan.identity().jobId()), events::add,
                Termination.manual(), dir.resolve("scratch")).run();

        assertThat(events).filteredOn(ProgressEvent.Failed.class::isInstance).isEmpty();
        assertThat(code).isEqualTo(ExitCode.SUCCESS);
        List<ProgressEvent.SectionDone> sections = events.stream().filter(ProgressEvent.SectionDone.class::isInstance)
                .map(ProgressEvent.SectionDone.class::cast).toList();
        assertThat(sections).hasSize(plan.schedule().sections());
        assertThat(events).filteredOn(ProgressEvent.OutputWritten.class::isInstance).singleElement()
                .satisfies(output -> assertThat(((ProgressEvent.OutputWritten) output).frames())
                        .isEqualTo(sections.get(sections.size() - 1).frames()));
    }
}
