package io.framepack.worker.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.WorkerProgress;
import io.framepack.worker.prompt.TimedPrompt;
import io.framepack.worker.runtime.checkpoint.BackgroundSaves;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointMismatchException;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.Mp4Writer;
import io.framepack.worker.runtime.output.PreviewImage;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.progress.ProgressListener;
import io.framepack.worker.runtime.storage.StorageException;
import io.framepack.worker.tensor.Sha256;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Drives one render to its end: resumes from the newest valid checkpoint (a re-roll without one
 * starts from its source's, {@link RerollFacts}), runs the remaining
 * sections, checkpoints after them (written while the next section renders), stops cleanly at a
 * safe point on SIGTERM, and publishes the MP4 with its sidecar. Every outcome maps to one
 * {@link ExitCode}.
 */
public final class JobRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RenderPlan plan;
    private final Renderer renderer;
    private final CheckpointStore checkpoints;
    private final VideoPublisher publisher;
    private final ProgressListener progress;
    private final Termination termination;
    private final Path scratch;
    private final Path uploads;
    /** Sections completed at the newest checkpoint, resumed, saved or being saved; -1 for none. */
    private int checkpointed = -1;

    /** @param scratch local temporary space; the runner keeps this job's files in a folder of its own there */
    public JobRunner(RenderPlan plan, Renderer renderer, CheckpointStore checkpoints, VideoPublisher publisher,
                     ProgressListener progress, Termination termination, Path scratch) {
        this.plan = plan;
        this.renderer = renderer;
        this.checkpoints = checkpoints;
        this.publisher = publisher;
        // Checkpoint writes report from their own thread.
        Object reporting = new Object();
        this.progress = event -> {
            synchronized (reporting) {
                progress.on(event);
            }
        };
        this.termination = termination;
        this.scratch = jobScratch(scratch, plan.identity().jobId());
        this.uploads = uploadStaging(scratch, plan.identity().jobId());
    }

    /**
     * The job's folder under {@code scratch} (one per job, so that clearing it never touches
     * another job's files), where the MP4 is encoded before it is published.
     */
    static Path jobScratch(Path scratch, String jobId) {
        byte[] digest = Sha256.newDigest().digest(jobId.getBytes(StandardCharsets.UTF_8));
        return scratch.resolve("framepack-job-" + HexFormat.of().formatHex(digest, 0, 8));
    }

    /**
     * Where this job's object stores stage uploads (an S3 object is written locally, then sent in
     * one request): beside {@link #jobScratch}, cleared with it when the job runs again, so a kill
     * mid-upload leaves nothing behind for good.
     */
    public static Path uploadStaging(Path scratch, String jobId) {
        Path job = jobScratch(scratch, jobId);
        return job.resolveSibling(job.getFileName() + "-uploads");
    }

    public ExitCode run() {
        try {
            return render();
        } catch (Termination.StopRequested e) {
            return stopped(progress, e);
        } catch (IOException | RuntimeException e) {
            return failed(progress, e);
        } finally {
            removeIfEmpty(uploads);
        }
    }

    /** The staging folder goes once nothing is staged; if something still is, the job's next run clears it. */
    private static void removeIfEmpty(Path folder) {
        try {
            Files.deleteIfExists(folder);
        } catch (IOException notEmptyOrUnreadable) {
            // Left for clearScratch.
        }
    }

    /** Reports a clean stop on a signal (here, or before the runner started) and returns the terminated code. */
    public static ExitCode stopped(ProgressListener progress, Termination.StopRequested stop) {
        progress.on(new ProgressEvent.Terminated(stop.getMessage(), ExitCode.TERMINATED.code));
        return ExitCode.TERMINATED;
    }

    /** Reports why a job failed (here, or before its runner started) and returns the exit code that says so. */
    public static ExitCode failed(ProgressListener progress, Exception e) {
        boolean retryCannotHelp = e instanceof InvalidInputException || e instanceof CheckpointMismatchException
                || e instanceof StorageException storage && storage.permanent();
        ExitCode code = retryCannotHelp ? ExitCode.INVALID_INPUT : ExitCode.FAILURE;
        String reason;
        String message = e.getMessage();
        if (e instanceof InvalidInputException invalid) {
            reason = invalid.reason();
        } else if (e instanceof CheckpointMismatchException) {
            reason = "CheckpointMismatch";
        } else if (e instanceof StorageException) {
            reason = "StorageError";
        } else {
            reason = "Error";
            message = e.getClass().getSimpleName() + ": " + message;
        }
        progress.on(new ProgressEvent.Failed(reason, message, code.code));
        return code;
    }

    private ExitCode render() throws IOException {
        clearScratch();
        CheckpointIdentity identity = new CheckpointIdentity(plan.identity().jobId(), plan.identity().specHash(),
                plan.identity().modelId());
        progress.on(new ProgressEvent.Phase(WorkerProgress.State.Starting, "Checking that " + checkpoints.location()
                + " and " + publisher.location() + " can be written"));
        checkpoints.probe();
        publisher.probe();
        progress.on(new ProgressEvent.Phase(WorkerProgress.State.Starting, "Looking for checkpoints in " + checkpoints.location()));
        Optional<Checkpoint> resumed = checkpoints.loadLatest(identity, warning -> progress.on(new ProgressEvent.Warning(warning)));
        if (resumed.isEmpty()) {
            resumed = checkpoints.loadRerollStart(identity.modelId());
            for (Checkpoint start : resumed.stream().toList()) {
                RerollFacts.requireSame(start, plan, start.identity().jobId());
                progress.on(new ProgressEvent.Phase(WorkerProgress.State.Starting, "Re-rolling from the checkpoint after section "
                        + start.sectionsCompleted() + " of " + start.identity().jobId() + ", sharing its settled blocks"));
            }
        }
        termination.checkpoint();
        try (RenderSession render = renderer.open(plan, progress);
             BackgroundSaves saves = new BackgroundSaves(checkpoints,
                     failure -> progress.on(new ProgressEvent.Warning("checkpoint not saved: " + failure.getMessage())))) {
            List<Double> timings = new ArrayList<>();
            if (resumed.isPresent()) {
                render.restore(resumed.get());
                timings.addAll(resumed.get().sectionSeconds());
            }
            progress.on(new ProgressEvent.JobStarted(plan.identity().jobId(), render.sectionsTotal(), render.stepsPerSection(),
                    resumed.map(Checkpoint::sectionsCompleted).orElse(null), checkpoints.location(), publisher.location()));
            checkpointed = resumed.map(Checkpoint::sectionsCompleted).orElse(-1);
            try {
                runSections(render, saves, identity, timings);
            } catch (Termination.StopRequested stop) {
                // The aborted section left the state of the last finished one: make sure it is kept.
                if (render.sectionsCompleted() > checkpointed) {
                    save(render, saves, identity, timings);
                }
                saves.await();
                throw stop;
            }
            keepFinalState(render, saves, identity, timings);
            publish(render, timings);
        }
        progress.on(new ProgressEvent.Phase(WorkerProgress.State.Succeeded, "Render finished"));
        return ExitCode.SUCCESS;
    }

    /**
     * Runs the remaining sections, checkpointing all but the last (see {@link #keepFinalState}).
     * A save that fails stops the render at its next step.
     */
    private void runSections(RenderSession render, BackgroundSaves saves, CheckpointIdentity identity, List<Double> timings)
            throws IOException {
        while (render.sectionsCompleted() < render.sectionsTotal()) {
            termination.checkpoint();
            saves.checkFailed();
            long started = System.nanoTime();
            RenderSession.SectionResult result;
            try {
                result = render.runNextSection((section, step, steps) -> {
                    progress.on(new ProgressEvent.Step(section, step, steps));
                    termination.checkpoint();
                    try {
                        saves.checkFailed();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            timings.add(seconds);
            progress.on(new ProgressEvent.SectionDone(result.section(), render.sectionsCompleted(), render.sectionsTotal(),
                    result.frames(), seconds));
            int completed = render.sectionsCompleted();
            if (completed % plan.outputs().checkpointEvery() == 0 && completed < render.sectionsTotal()) {
                save(render, saves, identity, timings);
            }
            if (result.preview() != null) {
                String location = publisher.publishPreview(plan.outputs().videoName(), completed, PreviewImage.png(result.preview()));
                progress.on(new ProgressEvent.PreviewWritten(result.section(), location));
            }
        }
    }

    /**
     * Saves the finished render's state, so that a failed upload is retried without rendering
     * again. Every frame is in memory by now: a save that fails only warns, and the video is
     * still written (the previous checkpoints remain).
     */
    private void keepFinalState(RenderSession render, BackgroundSaves saves, CheckpointIdentity identity,
                                List<Double> timings) {
        try {
            if (checkpointed < render.sectionsCompleted()) {
                save(render, saves, identity, timings);
            }
            saves.await();
        } catch (IOException e) {
            // The writer has reported it as a warning; the video does not need it.
        }
    }

    /** Starts saving the state after the last finished section (waiting for the previous save first). */
    private void save(RenderSession render, BackgroundSaves saves, CheckpointIdentity identity, List<Double> timings)
            throws IOException {
        Checkpoint checkpoint = RerollFacts.stamped(render.snapshot(identity, timings), plan);
        saves.submit(checkpoint,
                saved -> progress.on(new ProgressEvent.CheckpointSaved(saved.sectionsCompleted(), saved.location(),
                        saved.totalBytes(), saved.bytes(), saved.seconds())));
        checkpointed = checkpoint.sectionsCompleted();
    }

    private void publish(RenderSession render, List<Double> timings) throws IOException {
        progress.on(new ProgressEvent.Phase(WorkerProgress.State.Writing, "Encoding the MP4"));
        Files.createDirectories(scratch);
        Path mp4 = Files.createTempFile(scratch, "render-", ".mp4");
        // A kill from here on leaves the file behind: the next run of this job deletes it (clearScratch).
        try {
            var pixels = render.pixels();
            int frames = pixels.frameCount();
            Mp4Writer.write(pixels, plan.settings().crf, mp4);
            VideoPublisher.Published published = publisher.publish(plan.outputs().videoName(), mp4, sidecar(frames, timings));
            progress.on(new ProgressEvent.OutputWritten(published.file(), published.location(), published.sidecarLocation(),
                    published.sizeBytes(), frames));
        } finally {
            Files.deleteIfExists(mp4);
            Files.deleteIfExists(scratch);
        }
    }

    /** Deletes what a killed run of this job left in its scratch folders (a half-encoded MP4, a staged upload). */
    private void clearScratch() throws IOException {
        for (Path folder : List.of(scratch, uploads)) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> leftovers = Files.list(folder)) {
                for (Path leftover : leftovers.toList()) {
                    Files.deleteIfExists(leftover);
                }
            }
        }
    }

    private ObjectNode sidecar(int frames, List<Double> timings) {
        ObjectNode sidecar = JSON.createObjectNode();
        List<TimedPrompt> prompts = plan.inputs().prompts();
        if (prompts.size() == 1) {
            sidecar.put("prompt", prompts.get(0).text());
        } else {
            ArrayNode timed = sidecar.putArray("prompts");
            for (TimedPrompt prompt : prompts) {
                ObjectNode entry = timed.addObject().put("start", prompt.start());
                prompt.end().ifPresent(end -> entry.put("end", end));
                entry.put("text", prompt.text());
            }
            sidecar.put("promptBlendSections", plan.inputs().promptBlendSections());
        }
        sidecar.put("negativePrompt", plan.inputs().negativePrompt());
        if (plan.inputs().endImage() != null) {
            // The image itself is in the spec hash; its strength is what a reader cannot see in the video.
            sidecar.put("endImageStrength", plan.inputs().endImageStrength());
        }
        sidecar.put("seed", plan.settings().seed);
        sidecar.set("settings", JSON.valueToTree(plan.settings()));
        sidecar.put("specHash", plan.identity().specHash());
        sidecar.put("modelId", plan.identity().modelId());
        sidecar.put("frames", frames);
        sidecar.put("fps", Mp4Writer.FPS);
        sidecar.put("codec", "h264 (libx264, yuv420p)");
        sidecar.set("sectionSeconds", JSON.valueToTree(timings));
        sidecar.put("createdAt", Instant.now().toString());
        return sidecar;
    }
}
