package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.AttemptRecord;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.v1alpha1.VideoGenerationStatus.SectionStatus;
import io.framepack.api.worker.WorkerProgress;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns an {@link Observation} into the resource status and the actions to
 * take. Pure: no client, no clock (the time is an argument), no side effects, so every situation
 * (preemption, crash loop, Kueue, suspend) is decided the same way whether it is replayed after a
 * restart or seen live. In order: the pod history records ended pods, the progress mirror copies
 * the worker's report, the phase decision concludes, and the condition aggregator sets the
 * conditions from what it concluded.
 */
public final class StatusLogic {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private StatusLogic() {
    }

    public static Decision decide(VideoGeneration vg, Observation observation, Instant now) {
        String time = now.toString();
        Long storedGeneration = vg.getMetadata().getGeneration();
        long generation = storedGeneration == null ? 0 : storedGeneration;
        VideoGenerationStatus old = vg.getStatus() == null ? new VideoGenerationStatus() : vg.getStatus();
        VideoGenerationStatus status = draftOf(old);
        status.observedGeneration = generation;
        List<Decision.Notice> notices = new ArrayList<>();
        if (old.unreadable != null) {
            notices.add(new Decision.Notice(true, Reasons.STATUS_UNREADABLE, "The stored status could not be read ("
                    + old.unreadable + "); it is rebuilt from what the cluster shows"));
        }
        SpecFacts facts = SpecFacts.of(vg, observation);
        WorkerProgress report = ProgressMirror.ownReport(observation, facts.jobId());
        PodHistory history = new PodHistory(status.attempts);
        // An unreadable spec leaves the Job as it is: nothing of its pods or report is taken in.
        boolean withJob = !facts.unreadable() && observation.job() != null;
        Pod activePod = withJob ? activePod(observation.pods()) : null;
        List<AttemptRecord> newAttempts = withJob ? history.recordEnded(observation.pods(),
                status.sectionsCompleted == null ? 0 : status.sectionsCompleted, facts,
                report == null ? null : report.message, time) : List.of();
        newAttempts.forEach(record -> notices.add(new Decision.Notice(true, record.reason, record.message)));
        List<SectionStatus> newSections = withJob
                ? new ProgressMirror(status, observation.output(), history, notices).apply(report, activePod) : List.of();

        ConditionAggregator conditions = new ConditionAggregator();
        PhaseDecision phase = new PhaseDecision(vg, observation, facts, report, history, activePod, old, status,
                conditions, notices, time);
        phase.decide();
        status.phase = status.phase == null ? Phase.Pending : status.phase;
        status.message = Bounded.text(status.message, Bounded.MESSAGE);
        conditions.applyTo(status, generation, time);
        if (status.phase != old.phase) {
            notices.add(new Decision.Notice(status.phase == Phase.Failed, String.valueOf(status.phase), status.message));
        }
        return new Decision(status, phase.actions(), notices, newSections, newAttempts, phase.recheckAfter());
    }

    /** A copy of the stored status to decide on, with its lists present. */
    private static VideoGenerationStatus draftOf(VideoGenerationStatus old) {
        VideoGenerationStatus status = SERIALIZATION.clone(old);
        status.unreadable = null;
        if (status.conditions == null) {
            status.conditions = new ArrayList<>();
        }
        if (status.sections == null) {
            status.sections = new ArrayList<>();
        }
        if (status.attempts == null) {
            status.attempts = new VideoGenerationStatus.Attempts();
        }
        return status;
    }

    /** The newest pod that is pending or running and not being deleted, null when none. */
    private static Pod activePod(List<Pod> pods) {
        return pods.stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> "Pending".equals(Pods.phase(p)) || "Running".equals(Pods.phase(p)))
                .reduce((first, second) -> second).orElse(null);
    }
}
