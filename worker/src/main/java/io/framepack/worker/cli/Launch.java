package io.framepack.worker.cli;

import io.framepack.api.worker.ExitCode;
import io.framepack.worker.model.ModelDirectory;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.JobRunner;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Renderer;
import io.framepack.worker.runtime.Termination;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.progress.ProgressListener;
import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.tensor.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** What both commands share once their settings are checked: signals, stores, the runner, the exit code. */
final class Launch {
    private Launch() {
    }

    /** The render's plan and where its checkpoints and video go; {@code reroll} where it starts, or null. */
    record Job(RenderPlan plan, ObjectStore checkpoints, int keepCheckpoints, ObjectStore output, Path scratch,
               CheckpointStore.Reroll reroll) {
    }

    /** Reads the job: files, downloads, the model fingerprint. */
    @FunctionalInterface
    interface Preparation {
        Job prepare() throws IOException;
    }

    /**
     * Installs the SIGTERM handler first, so that a stop while the job is still being prepared (an
     * image download, the model fingerprint) ends cleanly with the terminated code too, then renders.
     */
    static ExitCode render(Duration grace, ProgressListener progress, Renderer renderer, Preparation preparation) {
        Termination termination = Termination.install(grace, ExitCode.TERMINATED.code,
                () -> progress.on(new ProgressEvent.Terminated("grace period of " + grace.toSeconds()
                        + " s over before a safe point; exiting with the previous checkpoint", ExitCode.TERMINATED.code)));
        Job job;
        try {
            job = preparation.prepare();
            termination.checkpoint();
        } catch (Termination.StopRequested e) {
            return JobRunner.stopped(progress, e);
        } catch (IOException | RuntimeException e) {
            return JobRunner.failed(progress, e);
        }
        JobRunner runner = new JobRunner(job.plan(), renderer, new CheckpointStore(job.checkpoints(), job.keepCheckpoints(),
                job.reroll()),
                new VideoPublisher(job.output(), job.plan().identity().jobId()), progress, termination, job.scratch());
        return runner.run();
    }

    /**
     * The model's identity for checkpoints: the model directory's, then each LoRA's SHA-256 and
     * scale in merge order, so a resume with other LoRAs (or none, or another order) is refused.
     * Without LoRAs it is the directory's alone, as before LoRAs existed.
     */
    static String modelId(Path modelDir, List<RenderPlan.Lora> loras) {
        StringBuilder id = new StringBuilder();
        try {
            id.append(ModelDirectory.at(modelDir).identity());
        } catch (IOException e) {
            throw new InvalidInputException(InvalidInputException.MODEL, "cannot read model directory " + modelDir + ": "
                    + e.getMessage(), e);
        }
        for (RenderPlan.Lora lora : loras) {
            id.append(" + LoRA ").append(sha256(lora.file())).append(" x").append(lora.scale());
        }
        return id.toString();
    }

    private static String sha256(Path file) {
        MessageDigest digest = Sha256.newDigest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(InvalidInputException.LORA, "LoRA file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException(InvalidInputException.LORA, "cannot read LoRA file " + file + ": " + e, e);
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }
}
