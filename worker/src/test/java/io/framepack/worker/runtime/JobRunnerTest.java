package io.framepack.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.nio.file.FileSystemException;
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
    /** How output files are opened. */
    DirectoryStore.ChannelOpener outputFiles = DirectoryStore.ChannelOpener.CREATE_NEW;
    /** Runs before each step reaches the runner. */
    StepHook beforeStep = (section, step) -> { };
    int rendersOpened;

    interface StepHook {
        void before(int section, int step) throws Exception;
    }
    /** Sees every event after it is recorded. */
    Consumer<ProgressEvent> onEvent = event -> { };

    RenderPlan plan(String specHash, int every) {
        return new RenderPlan(new RenderPlan.Identity("ns/walk/u1", specHash, "model-1"),
                new RenderPlan.Inputs("a walk", "", new byte[0]), new RenderSettings(),
                new RenderPlan.Outputs("walk", every), new RenderPlan.Resources(dir, "cpu", null));
    }

    ExitCode run(RenderPlan plan, Termination termination, int stopAtSection, int stopAtStep, Path output) {
        Renderer renderer = (r, progress) -> {
            rendersOpened++;
            return new RandomWalkSession(SECTIONS, 3, 7) {
                @Override
                public SectionResult runNextSection(StepCallback steps) {
                    return super.runNextSection((section, step, total) -> {
                        if (section == stopAtSection && step == stopAtStep) {
                            termination.request("SIGTERM");
                        }
                        try {
                            beforeStep.before(section, step);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                        steps.onStep(section, step, total);
                    });
                }
            };
        };
        return new JobRunner(plan, renderer, new CheckpointStore(new DirectoryStore(dir.resolve("ckpt"), checkpointFiles), 2),
                new VideoPublisher(new DirectoryStore(output, outputFiles), plan.identity().jobId()), event -> {
                    events.add(event);
                    onEvent.accept(event);
                }, termination, dir.resolve("scratch")).run();
    }

    @Test
    void stoppedRenderResumesToTheSameVideo() throws IOException {
        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("straight"))).isEqualTo(ExitCode.SUCCESS);
        byte[] straight = Files.readAllBytes(dir.resolve("straight/walk.mp4"));
        deleteCheckpoints();

        // every 2 sections: the stop in section 1 (0-based) must still save section 0's end state
        events.clear();
        assertThat(run(plan("spec", 2), Termination.manual(), 1, 2, dir.resolve("resumed"))).isEqualTo(ExitCode.TERMINATED);
        assertThat(events).filteredOn(ProgressEvent.CheckpointSaved.class::isInstance)
                .singleElement().extracting(e -> ((ProgressEvent.CheckpointSaved) e).sectionsCompleted()).isEqualTo(1);
        assertThat(events.get(events.size() - 1)).isInstanceOf(ProgressEvent.Terminated.class);
        assertThat(dir.resolve("resumed/walk.mp4")).doesNotExist();

        events.clear();
        assertThat(run(plan("spec", 2), Termination.manual(), -1, -1, dir.resolve("resumed"))).isEqualTo(ExitCode.SUCCESS);
        assertThat(events).filteredOn(ProgressEvent.JobStarted.class::isInstance).singleElement()
                .extracting(e -> ((ProgressEvent.JobStarted) e).resumedFromSection()).isEqualTo(1);
        assertThat(Files.readAllBytes(dir.resolve("resumed/walk.mp4"))).isEqualTo(straight);

        JsonNode sidecar = new ObjectMapper().readTree(dir.resolve("resumed/walk.json").toFile());
        assertThat(sidecar.get("jobId").asText()).isEqualTo("ns/walk/u1");
        assertThat(sidecar.get("sectionSeconds")).hasSize(SECTIONS);
        assertThat(sidecar.get("frames").asInt()).isEqualTo(1 + SECTIONS * RandomWalkSession.FRAMES_PER_SECTION);
        assertThat(dir.resolve("resumed/walk.preview-003.png")).exists();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(dir.resolve("resumed/walk.mp4").toFile())) {
            grabber.start();
            assertThat(grabber.getLengthInVideoFrames()).isEqualTo(1 + SECTIONS * RandomWalkSession.FRAMES_PER_SECTION);
        }
    }

    /** A stop between sections, right after a checkpoint was started: that one is awaited, not written twice. */
    @Test
    void aStopJustAfterACheckpointStartedSavesItOnce() throws IOException {
        Termination termination = Termination.manual();
        onEvent = event -> {
            if (event instanceof ProgressEvent.SectionDone) {
                termination.request("SIGTERM");
            }
        };
        assertThat(run(plan("spec", 1), termination, -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.TERMINATED);
        assertThat(events).filteredOn(ProgressEvent.CheckpointSaved.class::isInstance).hasSize(1);
        assertThat(checkpointFiles()).filteredOn(path -> path.getFileName().toString().equals("manifest.json")).hasSize(1);
    }

    @Test
    void theNextSectionRendersWhileACheckpointIsWritten() throws IOException {
        CountDownLatch secondSectionDone = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        checkpointFiles = path -> {
            if (path.toString().contains("ckpt-") && first.getAndSet(false)) {
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

        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.SUCCESS);
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
        assertThat(run(plan("spec-a", 1), Termination.manual(), 1, 1, dir.resolve("out"))).isEqualTo(ExitCode.TERMINATED);
        List<Path> before = checkpointFiles();

        events.clear();
        assertThat(run(plan("spec-b", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("CheckpointMismatch");
            assertThat(failed.message()).contains("different spec");
        });
        assertThat(checkpointFiles()).isEqualTo(before);
    }

    @Test
    void unwritableCheckpointStorageIsAStorageErrorWithTheLocation() throws IOException {
        Files.writeString(dir.resolve("ckpt"), "not a directory");
        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.FAILURE);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("StorageError");
            assertThat(failed.message()).startsWith("cannot write " + dir.resolve("ckpt"));
        });
    }

    /** A read-only volume (EROFS, as the OS reports it) for checkpoints or output: found before any model loads, never retried. */
    @ParameterizedTest
    @ValueSource(strings = {"checkpoints", "output"})
    void aStoreThatCannotBeWrittenFailsBeforeRenderingAsAPermanentError(String readOnly) throws IOException {
        DirectoryStore.ChannelOpener readOnlyVolume = path -> {
            throw new FileSystemException(path.toString(), null, "Read-only file system");
        };
        if (readOnly.equals("checkpoints")) {
            checkpointFiles = readOnlyVolume;
        } else {
            outputFiles = readOnlyVolume;
        }
        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(rendersOpened).as("models loaded").isZero();
        assertThat(events).noneMatch(ProgressEvent.SectionDone.class::isInstance);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("StorageError");
            assertThat(failed.message()).contains("Read-only file system");
        });
    }

    /** The checkpoint after section 0 fails while section 1 renders: the render stops there, not a section later. */
    @Test
    void aFailedSaveStopsTheRenderAtTheNextStep() throws IOException {
        checkpointFiles = failingFor("ckpt-000001-", "No space left on device");
        CountDownLatch saveFailed = new CountDownLatch(1);
        onEvent = event -> {
            if (event instanceof ProgressEvent.Warning) {
                saveFailed.countDown();
            }
        };
        beforeStep = (section, step) -> {
            if (section == 1 && step == 1) {
                assertThat(saveFailed.await(10, TimeUnit.SECONDS)).as("the failed save was reported").isTrue();
            }
        };

        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.FAILURE);
        assertThat(events).filteredOn(ProgressEvent.SectionDone.class::isInstance).singleElement()
                .extracting(e -> ((ProgressEvent.SectionDone) e).section()).isEqualTo(0);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("StorageError");
            assertThat(failed.message()).contains("ckpt-000001-").endsWith("No space left on device");
        });
    }

    /** Every frame exists when the final checkpoint fails: the video is still written, the earlier checkpoints remain. */
    @Test
    void theVideoIsWrittenWhenOnlyTheFinalCheckpointFails() throws IOException {
        checkpointFiles = failingFor("ckpt-00000" + SECTIONS + "-", "No space left on device");

        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.SUCCESS);
        assertThat(events).filteredOn(ProgressEvent.Warning.class::isInstance).singleElement().asString()
                .contains("checkpoint not saved").contains("No space left on device");
        assertThat(events.get(events.size() - 1)).isInstanceOf(ProgressEvent.Phase.class);
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(dir.resolve("out/walk.mp4").toFile())) {
            grabber.start();
            assertThat(grabber.getLengthInVideoFrames()).isEqualTo(1 + SECTIONS * RandomWalkSession.FRAMES_PER_SECTION);
        }
        assertThat(new CheckpointStore(new DirectoryStore(dir.resolve("ckpt")), 2)
                .loadLatest(new CheckpointIdentity("ns/walk/u1", "spec", "model-1"), warning -> { })
                .orElseThrow().sectionsCompleted()).isEqualTo(SECTIONS - 1);
    }

    /**
     * The output fails (a preview, on a volume turned read-only) while the checkpoint after
     * section 0 is being written: that save completes before the job fails, and the retry resumes.
     */
    @Test
    void anOutputFailureLetsTheSaveInFlightFinishSoThatTheRetryResumes() throws IOException {
        CountDownLatch outputFailed = new CountDownLatch(1);
        checkpointFiles = path -> {
            if (path.toString().contains("ckpt-000001-")) {
                try {
                    assertThat(outputFailed.await(60, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return DirectoryStore.ChannelOpener.CREATE_NEW.open(path);
        };
        outputFiles = path -> {
            if (path.toString().contains("preview")) {
                outputFailed.countDown();
                throw new FileSystemException(path.toString(), null, "Read-only file system");
            }
            return DirectoryStore.ChannelOpener.CREATE_NEW.open(path);
        };

        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.CheckpointSaved || e instanceof ProgressEvent.Failed)
                .extracting(ProgressEvent::name).containsExactly("checkpoint_saved", "error");

        events.clear();
        checkpointFiles = DirectoryStore.ChannelOpener.CREATE_NEW;
        outputFiles = DirectoryStore.ChannelOpener.CREATE_NEW;
        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.SUCCESS);
        assertThat(events).filteredOn(ProgressEvent.JobStarted.class::isInstance).singleElement()
                .extracting(e -> ((ProgressEvent.JobStarted) e).resumedFromSection()).isEqualTo(1);
    }

    /** A run killed while encoding or uploading left files in the job's scratch folders: the next run of that job, and only that job, removes them. */
    @Test
    void theNextRunDeletesWhatAKilledEncodeOrUploadLeftInTheJobsScratchFolders() throws IOException {
        Path scratch = dir.resolve("scratch");
        Path leftover = fileIn(JobRunner.jobScratch(scratch, "ns/walk/u1"), "render-1234.mp4", 16384);
        Path anotherJobs = fileIn(JobRunner.jobScratch(scratch, "ns/other/u2"), "render-5678.mp4", 100);
        Path stagedUpload = fileIn(JobRunner.uploadStaging(scratch, "ns/walk/u1"), "s3-upload-42.part", 4096);
        Path anotherJobsUpload = fileIn(JobRunner.uploadStaging(scratch, "ns/other/u2"), "s3-upload-43.part", 100);

        assertThat(run(plan("spec", 1), Termination.manual(), -1, -1, dir.resolve("out"))).isEqualTo(ExitCode.SUCCESS);
        assertThat(leftover.getParent()).doesNotExist();
        assertThat(stagedUpload.getParent()).doesNotExist();
        assertThat(anotherJobs).exists();
        assertThat(anotherJobsUpload).exists();
    }

    private static Path fileIn(Path folder, String name, int bytes) throws IOException {
        return Files.write(Files.createDirectories(folder).resolve(name), new byte[bytes]);
    }

    /** Files whose path contains {@code marker} cannot be created, for the OS's {@code reason}. */
    private static DirectoryStore.ChannelOpener failingFor(String marker, String reason) {
        return path -> {
            if (path.toString().contains(marker)) {
                throw new FileSystemException(path.toString(), null, reason);
            }
            return DirectoryStore.ChannelOpener.CREATE_NEW.open(path);
        };
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
