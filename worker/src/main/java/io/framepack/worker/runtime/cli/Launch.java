package io.framepack.worker.runtime.cli;

import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.JobRunner;
import io.framepack.worker.model.ModelDirectory;
import io.framepack.worker.runtime.RenderRequest;
import io.framepack.worker.runtime.Termination;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.progress.ProgressListener;
import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** What both commands share once they know the request: stores, signals, the runner, the exit code. */
final class Launch {
    private Launch() {
    }

    static ExitCode render(RenderRequest request, JobRunner.RenderFactory engine, ObjectStore checkpointStore, int keep,
                           ObjectStore outputStore, ProgressListener progress, Duration grace, Path scratch) {
        Termination termination = Termination.install(grace, ExitCode.TERMINATED.code,
                () -> progress.on(new ProgressEvent.Terminated("grace period of " + grace.toSeconds()
                        + " s over before a safe point; exiting with the previous checkpoint", ExitCode.TERMINATED.code)));
        JobRunner runner = new JobRunner(request, engine, new CheckpointStore(checkpointStore, keep),
                new VideoPublisher(outputStore, request.jobId()), progress, termination, scratch);
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
