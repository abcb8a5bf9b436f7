package io.framepack.operator;

import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;

/**
 * Collects what the decision found (why the render is stalled, what it is doing, where its pod
 * is) and sets every condition from it in one place, once the phase and message are decided: no
 * condition is set on the way, so they cannot contradict each other or the phase.
 */
final class ConditionAggregator {
    /** Why the render cannot go on without a person (kstatus Stalled), null when it can. */
    private String stalledReason;
    /** Reason for Reconciling/Progressing while the render is under way. */
    private String activityReason = Reasons.STARTING;
    /** The Scheduled condition found, null: the stored one stands. */
    private Scheduled scheduled;

    private record Scheduled(boolean value, String reason, String message) {
    }

    void stalled(String reason) {
        stalledReason = reason;
    }

    void activity(String reason) {
        activityReason = reason;
    }

    void scheduled(boolean value, String reason, String message) {
        scheduled = new Scheduled(value, reason, message);
    }

    /** Sets the conditions of {@code status}, whose phase and message are final. */
    void applyTo(VideoGenerationStatus status, long generation, String now) {
        if (scheduled != null) {
            Conditions.set(status.conditions, Conditions.SCHEDULED, scheduled.value, scheduled.reason, scheduled.message,
                    generation, now);
        }
        Phase phase = status.phase;
        String message = status.message;
        boolean stalled = stalledReason != null;
        Conditions.set(status.conditions, Conditions.READY, phase == Phase.Succeeded,
                phase == Phase.Succeeded ? Reasons.SUCCEEDED : phase.name(), message, generation, now);
        Conditions.set(status.conditions, Conditions.STALLED, stalled,
                stalled ? stalledReason : Reasons.AS_EXPECTED, stalled ? message : "", generation, now);
        boolean working = !stalled && (phase == Phase.Pending || phase == Phase.Queued || phase == Phase.Running);
        Conditions.set(status.conditions, Conditions.RECONCILING, working,
                working ? activityReason : phase.name(), working ? message : "", generation, now);
        boolean progressing = !stalled && phase == Phase.Running;
        Conditions.set(status.conditions, Conditions.PROGRESSING, progressing,
                progressing ? activityReason : (stalled ? stalledReason : phase == Phase.Pending ? activityReason : phase.name()),
                message, generation, now);
        if (status.lastCheckpoint != null) {
            VideoGenerationStatus.CheckpointStatus c = status.lastCheckpoint;
            Conditions.set(status.conditions, Conditions.CHECKPOINTED, true, Reasons.CHECKPOINT_SAVED,
                    "State after section " + c.section + " saved at " + c.location, generation, now);
        } else {
            Conditions.set(status.conditions, Conditions.CHECKPOINTED, false, "NoCheckpoint",
                    "No section finished yet", generation, now);
        }
    }
}
