package io.framepack.operator;

import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.worker.WorkerJob;

import java.time.Duration;
import java.util.List;

/**
 * What the status logic concluded: the new status, what to change in the cluster, what to tell
 * people (Events), what to count (metrics) and when to look again though nothing watched changed
 * ({@code recheckAfter}, null: only on a change).
 */
public record Decision(VideoGenerationStatus status, List<Action> actions, List<Notice> notices,
                       List<VideoGenerationStatus.SectionStatus> newSections,
                       List<VideoGenerationStatus.AttemptRecord> newAttempts, Duration recheckAfter) {

    /** A change to make in the cluster. */
    public sealed interface Action {
    }

    /**
     * Create the worker Job and what it needs (idempotent: existing objects are kept).
     *
     * @param from where a re-roll starts, null for a render from the first section
     */
    public record CreateWorker(WorkerJob.RerollFrom from) implements Action {
        public CreateWorker() {
            this(null);
        }
    }

    /** Suspend or resume the existing worker Job. */
    public record SetJobSuspended(boolean suspended) implements Action {
    }

    /** Let the TTL controller delete the finished Job: its outcome is in the stored status. */
    public record SetJobTtl(int ttlSecondsAfterFinished) implements Action {
    }

    /** A Kubernetes Event on the VideoGeneration. */
    public record Notice(boolean warning, String reason, String message) {
    }
}
