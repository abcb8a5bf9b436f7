package io.framepack.worker.runtime.progress;

import io.framepack.api.worker.MemoryTier;
import io.framepack.api.worker.WorkerProgress;

/**
 * What a render reports while it runs. Sections are counted in generation order from 0;
 * {@code sectionsCompleted} is how many are done (and what a checkpoint resumes after).
 */
public sealed interface ProgressEvent {

    /** The event's name in JSON lines ({@code job_start}, {@code step}, ...). */
    String name();

    record JobStarted(String jobId, int sectionsTotal, int stepsPerSection, Integer resumedFromSection,
                      String checkpoints, String output) implements ProgressEvent {
        public String name() {
            return "job_start";
        }
    }

    /** The render entered a phase (loading models, encoding the prompt, ...). */
    record Phase(WorkerProgress.State state, String message) implements ProgressEvent {
        public String name() {
            return "phase";
        }
    }

    /** The models are loaded in {@code tier}; {@code message} says what stayed on the GPU and why. */
    record MemoryPlanned(MemoryTier tier, String message) implements ProgressEvent {
        public String name() {
            return "memory_plan";
        }
    }

    record Step(int section, int step, int steps) implements ProgressEvent {
        public String name() {
            return "step";
        }
    }

    /** What the runner measured of a finished section; the progress report records it as the API's {@code SectionStatus}. */
    record SectionDone(int section, int sectionsCompleted, int sectionsTotal, int frames, double seconds)
            implements ProgressEvent {
        public String name() {
            return "section_done";
        }
    }

    /**
     * A checkpoint is complete: it holds {@code bytes} (blocks shared with earlier checkpoints
     * included), of which this save wrote {@code bytesWritten}, in {@code seconds}.
     */
    record CheckpointSaved(int sectionsCompleted, String location, long bytes, long bytesWritten, double seconds)
            implements ProgressEvent {
        public String name() {
            return "checkpoint_saved";
        }
    }

    record PreviewWritten(int section, String location) implements ProgressEvent {
        public String name() {
            return "preview_written";
        }
    }

    record OutputWritten(String file, String location, String sidecar, long bytes, int frames) implements ProgressEvent {
        public String name() {
            return "output_written";
        }
    }

    /** Something the user should know that does not stop the render (a skipped corrupt checkpoint). */
    record Warning(String message) implements ProgressEvent {
        public String name() {
            return "warning";
        }
    }

    /** The render stopped on SIGTERM after a clean stop. */
    record Terminated(String message, int exitCode) implements ProgressEvent {
        public String name() {
            return "terminated";
        }
    }

    /**
     * @param reason machine-readable: InvalidInput, InvalidModel, CheckpointMismatch, StorageError, Error
     */
    record Failed(String reason, String message, int exitCode) implements ProgressEvent {
        public String name() {
            return "error";
        }
    }
}
