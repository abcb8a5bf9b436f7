package io.framepack.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class JobRunnerTest {
    static final int SECTIONS = 3;

    @TempDir
    Path dir;
    final List<ProgressEvent> events = new ArrayList<>();
    /** How checkpoint files are opened; a test may hold writes up. */
    DirectoryStore.ChannelOpener checkpointFiles = DirectoryStore.ChannelOpener.CREATE_NEW;
    /** Sees every event after it is recorded. */
    Consumer<ProgressEvent> onEvent = event -> { };

    RenderRequest request(String specHash, int every) {
        return new RenderRequest("ns/walk/u1", specHash, "model-1", "a walk", "", new RenderSettings(), "walk", every,
                new byte[0], dir, "cpu", null);
    }

    ExitCode run(RenderRequest request, Termination termination, int stopAtSection, int stopAtStep, Path output) {
        JobRunner.RenderFactory factory = (r, progress) -> new RandomWalkRender(SECTIONS, 3, 7) {
            @Override
            public SectionResult runNextSection(StepCallback steps) {
                return super.runNextSection((section, step, total) -> {
                    if (section == stopAtSection && step == stopAtStep) {
                        termination.request("SIGTERM");
                    }
                    steps.onStep(section, step, total);
                });
            }
        };
        return new JobRunner(request, factory, new CheckpointStore(new DirectoryStore(dir.resolve("ckpt"), checkpointFiles), 2),
                new VideoPublisher(new DirectoryStore(output), request.jobId()), event -> {
                    events.add(event);
                    onEvent.accept(event);
                }, termination, dir.resolve("scratch")).run();
    }

    @Test
    void stoppedRenderResumesToTheSameVideo() throws IOException {
        assertThat(run(request("spec", 1), Termination.manual(), -1, -1, dir.resolve("straight"))).isEqualTo(ExitCode.SUCCESS);
        byte[] straight = Files.readAllBytes(dir.resolve("straight/walk.mp4"));
        deleteCheckpoints();

        // every 2 sections: the stop in section 1 (0-based) must still save section 0's end state
        events.clear();
        assertThat(run(request("spec", 2), Termination.manual(), 1, 2, dir.resolve("resumed"))).isEqualTo(ExitCode.TERMINATED);
        assertThat(events).filteredOn(ProgressEvent.CheckpointSaved.class::isInstance)
                .singleElement().extracting(e -> ((ProgressEvent.CheckpointSaved) e).sectionsCompleted()).isEqualTo(1);
        assertThat(events.get(events.size() - 1)).isInstanceOf(ProgressEvent.Terminated.class);
        assertThat(dir.resolve("resumed/walk.mp4")).doesNotExist();

        events.clear();
        assertThat(run(request("spec", 2), Termination.manual(), -1, -1, dir.resolve("resumed"))).isEqualTo(ExitCode.SUCCESS);
        assertThat(events).filteredOn(ProgressEvent.JobStarted.class::isInstance).singleElement()
                .extracting(e -> ((ProgressEvent.JobStarted) e).resumedFromSection()).isEqualTo(1);
        assertThat(Files.readAllBytes(dir.resolve("resumed/walk.mp4"))).isEqualTo(straight);

        JsonNode sidecar = new ObjectMapper().readTree(dir.resolve("resumed/walk.json").toFile());
        assertThat(sidecar.get("jobId").asText()).isEqualTo("ns/walk/u1");
        assertThat(sidecar.get("sectionSeconds")).hasSize(SECTIONS);
        assertThat(sidecar.get("frames").asInt()).isEqualTo(1 + SECTIONS * RandomWalkRender.FRAMES_PER_SECTION);
        assertThat(dir.resolve("resumed/walk.preview-003.png")).exists();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(dir.resolve("resumed/walk.mp4").toFile())) {
            grabber.start();
            assertThat(grabber.getLengthInVideoFrames()).isEqualTo(1 + SECTIONS * RandomWalkRender.FRAMES_PER_SECTION);
        }
    }

    @Test
    void theNextSectionRendersWhileACheckpointIsWritten() throws IOException {
        CountDownLatch secondSectionDone = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        checkpointFiles = path -> {
            if (first.getAndSet(false)) {
                try {
                    // The first checkpoint's write cannot finish before the render is past section 1.
                    assertThat(secondSectionDone.await(60, TimeUnit.SECONDS)).as("section 1 rendered during the write").isTrue();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return DirectoryStore.ChannelOpener.CREATE_NEW.open(path);
        };
        onEvent = event -> {
            if (event instanceof ProgressEvent.SectionDone done && done.section() == 1) {
                secondSectionDone.countDown();
            }
        };

        assertThat(run(request("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.SUCCESS);
        List<Object> order = events.stream()
                .filter(e -> e instanceof ProgressEvent.SectionDone || e instanceof ProgressEvent.CheckpointSaved)
                .map(e -> e instanceof ProgressEvent.SectionDone done ? (Object) ("section " + done.section())
                        : "checkpoint " + ((ProgressEvent.CheckpointSaved) e).sectionsCompleted())
                .toList();
        assertThat(order).containsSubsequence("section 0", "section 1", "checkpoint 1", "section 2", "checkpoint 3")
                .containsSubsequence("checkpoint 2", "checkpoint 3");
    }

    @Test
    void checkpointOfAnotherSpecFailsAsInvalidInputWithoutTouchingIt() throws IOException {
        assertThat(run(request("spec-a", 1), Termination.manual(), 1, 1, dir.resolve("out"))).isEqualTo(ExitCode.TERMINATED);
        List<Path> before = checkpointFiles();

        events.clear();
        assertThat(run(request("spec-b", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("CheckpointMismatch");
            assertThat(failed.message()).contains("different spec");
        });
        assertThat(checkpointFiles()).isEqualTo(before);
    }

    @Test
    void unwritableCheckpointStorageIsAStorageErrorWithTheLocation() throws IOException {
        Files.writeString(dir.resolve("ckpt"), "not a directory");
        assertThat(run(request("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.FAILURE);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("StorageError");
            assertThat(failed.message()).startsWith("cannot write " + dir.resolve("ckpt"));
        });
    }

    private void deleteCheckpoints() throws IOException {
        List<Path> files = new ArrayList<>(checkpointFiles());
        Collections.reverse(files);
        for (Path file : files) {
            Files.delete(file);
        }
    }

    private List<Path> checkpointFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("ckpt"))) {
            return files.sorted().toList();
        }
    }
}
