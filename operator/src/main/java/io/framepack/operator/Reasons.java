package io.framepack.operator;

/** Machine-readable reasons used in conditions, attempt records and Events. */
public final class Reasons {
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String CREATED = "WorkerCreated";
    public static final String WAITING_FOR_OLD_OBJECTS = "WaitingForOldObjects";
    public static final String WAITING_FOR_SOURCE = "WaitingForSource";
    public static final String WORKER_CREATE_FAILED = "WorkerCreateFailed";
    public static final String POD_CREATE_REFUSED = "PodCreateRefused";
    public static final String QUEUED = "Queued";
    public static final String SUSPENDED = "Suspended";
    public static final String UNSCHEDULABLE = "Unschedulable";
    public static final String STARTING = "Starting";
    public static final String IMAGE_PULL_ERROR = "ImagePullError";
    public static final String CONTAINER_CONFIG_ERROR = "ContainerConfigError";
    public static final String RENDERING = "Rendering";
    public static final String RESUMED = "Resumed";
    public static final String PREEMPTED = "Preempted";
    /** The worker exited 75 after a clean stop (suspend, Kueue eviction, pod deleted): not a failure. */
    public static final String STOPPED = "Stopped";
    public static final String OOM_KILLED = "OOMKilled";
    public static final String CRASHED = "Crashed";
    public static final String CRASH_LOOP = "CrashLooping";
    public static final String INVALID_INPUT = "InvalidInput";
    public static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
    public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
    public static final String SECTION_COMPLETED = "SectionCompleted";
    public static final String CHECKPOINT_SAVED = "CheckpointSaved";
    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    public static final String AS_EXPECTED = "AsExpected";
    public static final String RECONCILE_ERROR = "ReconcileError";
    public static final String STATUS_UNREADABLE = "StatusUnreadable";

    private Reasons() {
    }

    /** Pods that ended without a fault of their own: never counted against backoffLimit. */
    static boolean isInterruption(String reason) {
        return PREEMPTED.equals(reason) || STOPPED.equals(reason);
    }
}
