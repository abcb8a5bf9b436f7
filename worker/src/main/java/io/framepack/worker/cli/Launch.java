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

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

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

    static String modelId(Path modelDir) {
        try {
            return ModelDirectory.at(modelDir).identity();
        } catch (IOException e) {
            throw new InvalidInputException(InvalidInputException.MODEL, "cannot read model directory " + modelDir + ": "
                    + e.getMessage(), e);
        }
    }
}
