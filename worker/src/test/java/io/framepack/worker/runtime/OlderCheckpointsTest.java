package io.framepack.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.checkpoint.CheckpointFixtures;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkpoints earlier workers wrote (test resources {@code checkpoints/}, see its README) are
 * resumed by today's worker: the real engine on the tiny model picks them up after their sections
 * and renders the rest, keeping the timings they recorded and writing the video an uninterrupted render would.
 */
class OlderCheckpointsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aFormatThreeCheckpointOfTheTinyRenderIsResumedToTheEnd() throws IOException {
        Path checkpoints = CheckpointFixtures.copyOfStore("checkpoints/format3-tiny-inverted", dir.resolve("ckpt"));
        RenderSettings settings = new RenderSettings();
        settings.seconds = 3.6;
        settings.steps = 3;
        settings.resolution = DemoModel.RESOLUTION;
        RenderPlan plan = new RenderPlan(new RenderPlan.Identity("test/tiny-inverted/1", "spec", "model"),
                new RenderPlan.Inputs("a cat walks", "", DemoModel.image()), settings, new RenderPlan.Outputs("tiny", 1),
                new RenderPlan.Resources(DemoModel.directory(dir.resolve("cache")), "cpu", null));
        List<ProgressEvent> events = new ArrayList<>();

        ExitCode code = new JobRunner(plan, new FramePackRenderer(), new CheckpointStore(new DirectoryStore(checkpoints), 2),
                new VideoPublisher(new DirectoryStore(dir.resolve("out")), plan.identity().jobId()), events::add,
                Termination.manual(), dir.resolve("scratch")).run();

        assertThat(code).isEqualTo(ExitCode.SUCCESS);
        assertThat(events).noneMatch(event -> event instanceof ProgressEvent.Warning);
        assertThat(events).filteredOn(ProgressEvent.JobStarted.class::isInstance).singleElement()
                .satisfies(started -> assertThat(((ProgressEvent.JobStarted) started).resumedFromSection()).isEqualTo(1));
        assertThat(events).filteredOn(ProgressEvent.SectionDone.class::isInstance)
                .extracting(done -> ((ProgressEvent.SectionDone) done).section()).containsExactly(1, 2);
        ProgressEvent.OutputWritten output = (ProgressEvent.OutputWritten) events.stream()
                .filter(ProgressEvent.OutputWritten.class::isInstance).findFirst().orElseThrow();
        assertThat(output.frames()).isEqualTo(109);
        JsonNode sidecar = JSON.readTree(dir.resolve("out").resolve("tiny.json").toFile());
        assertThat(sidecar.path("sectionSeconds")).hasSize(3);
        assertThat(sidecar.path("sectionSeconds").get(0).asDouble()).as("the first section's time, from the checkpoint")
                .isEqualTo(5.310244333);
        String written = Files.readString(CheckpointFixtures.manifestOf(checkpoints, 3));
        assertThat(written.split("\"sectionsCompleted\"", -1)).as("the section count, said once").hasSize(2);
        assertThat(written).doesNotContain("sections_completed", "noise_draws", "generated_latent_frames");
    }

    /**
     * The F1 render as the worker before format 6 saved it after two of its three sections (the
     * whole pixel history in float32, as {@code history_pixels}) resumes to the very MP4 that an
     * uninterrupted render writes, and its next checkpoint holds the pixels as today's do.
     */
    @Test
    void aFormatFiveCheckpointOfTheTinyF1RenderResumesToTheUninterruptedVideo() throws IOException {
        Path checkpoints = CheckpointFixtures.copyOfStore("checkpoints/format5-tiny-f1", dir.resolve("ckpt"));
        List<ProgressEvent> events = new ArrayList<>();
        assertThat(renderTinyF1(checkpoints, dir.resolve("resumed"), events)).isEqualTo(ExitCode.SUCCESS);
        assertThat(events).filteredOn(ProgressEvent.JobStarted.class::isInstance).singleElement()
                .satisfies(started -> assertThat(((ProgressEvent.JobStarted) started).resumedFromSection()).isEqualTo(2));
        assertThat(renderTinyF1(dir.resolve("fresh"), dir.resolve("uninterrupted"), new ArrayList<>()))
                .isEqualTo(ExitCode.SUCCESS);

        assertThat(Files.readAllBytes(dir.resolve("resumed").resolve("tiny-f1.mp4")))
                .isEqualTo(Files.readAllBytes(dir.resolve("uninterrupted").resolve("tiny-f1.mp4")));
        JsonNode written = JSON.readTree(CheckpointFixtures.manifestOf(checkpoints, 3).toFile());
        assertThat(written.path("tensors")).extracting(tensor -> tensor.path("name").asText())
                .contains("open_pixels", "settled_pixels").doesNotContain("history_pixels");
    }

    private ExitCode renderTinyF1(Path checkpoints, Path output, List<ProgressEvent> events) throws IOException {
        RenderSettings settings = new RenderSettings();
        settings.variant = RenderSettings.Variant.f1;
        settings.seconds = 3.6;
        settings.steps = 3;
        settings.resolution = DemoModel.RESOLUTION;
        RenderPlan plan = TinyPlans.of("tiny-f1", settings, DemoModel.directory(dir.resolve("cache")), null);
        return new JobRunner(plan, new FramePackRenderer(), new CheckpointStore(new DirectoryStore(checkpoints), 2),
                new VideoPublisher(new DirectoryStore(output), plan.identity().jobId()), events::add,
                Termination.manual(), output.resolveSibling(output.getFileName() + ".scratch")).run();
    }
}
