package io.framepack.operator;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.framepack.api.v1alpha1.VideoGenerationStatus.AttemptRecord;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Attempts;
import io.framepack.api.worker.ExitCode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The worker pods that ended before the render did (preemptions, clean stops, failures), kept in
 * the status's bounded attempt history, and what that history tells.
 */
final class PodHistory {
    /** Ended pods remembered in status; enough for any backoffLimit the CRD accepts. */
    static final int LIMIT = 110;

    private final Attempts attempts;

    /** The history in {@code attempts}, which {@link #recordEnded} extends in place. */
    PodHistory(Attempts attempts) {
        this.attempts = attempts;
    }

    /**
     * Records each pod that ended before the render did, once. Pods end in the order they were
     * created (a replacement starts only after its predecessor ended), so every pod created strictly
     * before the newest recorded one was recorded too, also once the bounded history has forgotten
     * it. Creation times have whole seconds: pods of the same second are told apart by name only.
     *
     * @param sectionsCompleted what the status said was done before these pods were looked at
     * @param workerMessage     the message of this render's worker report, or null
     * @return the new records, oldest first
     */
    List<AttemptRecord> recordEnded(List<Pod> pods, int sectionsCompleted, SpecFacts facts, String workerMessage, String now) {
        Set<String> known = new HashSet<>();
        attempts.history.forEach(r -> known.add(r.podName));
        Instant newestRecorded = pods.stream()
                .filter(pod -> known.contains(pod.getMetadata().getName()))
                .map(Pods::createdAt).filter(Objects::nonNull)
                .max(Instant::compareTo).orElse(null);
        List<AttemptRecord> added = new ArrayList<>();
        for (Pod pod : pods) {
            Instant created = Pods.createdAt(pod);
            boolean recorded = known.contains(pod.getMetadata().getName())
                    || newestRecorded != null && created != null && created.isBefore(newestRecorded);
            if (recorded || !"Failed".equals(Pods.phase(pod))) {
                continue;
            }
            AttemptRecord record = classify(pod, sectionsCompleted, facts, workerMessage, now);
            if (Reasons.isInterruption(record.reason)) {
                attempts.preemptions++;
            } else {
                attempts.failures++;
            }
            attempts.history.add(record);
            if (attempts.history.size() > LIMIT) {
                attempts.history.remove(0);
            }
            added.add(record);
        }
        return added;
    }

    private static AttemptRecord classify(Pod pod, int sectionsCompleted, SpecFacts facts, String workerMessage, String now) {
        AttemptRecord record = new AttemptRecord();
        record.podName = pod.getMetadata().getName();
        record.sectionsCompleted = sectionsCompleted;
        ContainerStateTerminated terminated = Pods.workerTermination(pod);
        record.exitCode = terminated == null ? null : terminated.getExitCode();
        record.time = terminated != null && terminated.getFinishedAt() != null ? terminated.getFinishedAt() : now;
        Optional<PodCondition> disruption = Pods.condition(pod, "DisruptionTarget").filter(c -> "True".equals(c.getStatus()));
        String after = " after " + record.sectionsCompleted + " section(s)";
        if (disruption.isPresent()) {
            record.reason = Reasons.PREEMPTED;
            record.message = "Pod " + record.podName + " was disrupted" + after + " (" + disruption.get().getReason()
                    + (disruption.get().getMessage() == null ? "" : ": " + disruption.get().getMessage())
                    + "); a new pod resumes from the last checkpoint";
        } else if (record.exitCode != null && record.exitCode == ExitCode.TERMINATED.code) {
            record.reason = Reasons.STOPPED;
            record.message = "Pod " + record.podName + " stopped cleanly" + after
                    + " (exit 75: suspended, evicted by Kueue or deleted); the render resumes from the last checkpoint";
        } else if (terminated != null && "OOMKilled".equals(terminated.getReason())) {
            record.reason = Reasons.OOM_KILLED;
            record.message = "Worker ran out of memory" + after + " (limit " + facts.memoryLimit()
                    + "); raise spec.resources.memory";
        } else if (record.exitCode != null && record.exitCode == ExitCode.INVALID_INPUT.code) {
            record.reason = Reasons.INVALID_INPUT;
            record.message = "Worker rejected its input: " + (workerMessage != null ? workerMessage : "see the pod log");
        } else {
            record.reason = Reasons.CRASHED;
            record.message = "Worker exited with code " + (record.exitCode == null ? "unknown" : record.exitCode) + after
                    + (terminated != null && terminated.getMessage() != null ? ": " + terminated.getMessage() : "");
        }
        record.message = Bounded.text(record.message, Bounded.MESSAGE);
        return record;
    }

    /** Whether a pod ended before this one, by preemption or failure. */
    boolean anyEnded() {
        return attempts.preemptions + attempts.failures > 0;
    }

    int failures() {
        return attempts.failures;
    }

    /** The newest ended pod's record, null when none ended. */
    AttemptRecord last() {
        return attempts.history.isEmpty() ? null : attempts.history.get(attempts.history.size() - 1);
    }

    /** 1-based attempt of a pod: ended pods are numbered in the order they were recorded. */
    int attemptOf(String podName) {
        List<AttemptRecord> history = attempts.history;
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).podName.equals(podName)) {
                return i + 1;
            }
        }
        return history.size() + 1;
    }

    String lastFailureMessage() {
        return attempts.history.stream().filter(r -> !Reasons.isInterruption(r.reason))
                .reduce((a, b) -> b).map(r -> r.message).orElse("unknown");
    }

    /** "2 preemption(s) and 1 failure(s)"; empty when no pod ended. */
    String describe() {
        List<String> parts = new ArrayList<>();
        if (attempts.preemptions > 0) {
            parts.add(attempts.preemptions + " preemption(s)");
        }
        if (attempts.failures > 0) {
            parts.add(attempts.failures + " failure(s)");
        }
        return String.join(" and ", parts);
    }
}
