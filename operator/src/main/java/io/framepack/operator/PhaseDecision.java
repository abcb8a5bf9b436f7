package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.AttemptRecord;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.worker.WorkerProgress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides the phase and message, what to change in the cluster and when to look again, from the
 * observation and what the pod history and progress mirror recorded; it tells the condition
 * aggregator why (stalled, activity, scheduled) instead of setting conditions itself.
 */
final class PhaseDecision {
    /** How often objects left from an earlier resource of the same name are looked for again (most are not watched). */
    static final Duration LEFTOVER_RECHECK = Duration.ofSeconds(5);
    /** How often creating the worker's objects is tried again after the API server refused it. */
    static final Duration CREATE_RETRY = Duration.ofSeconds(10);
    /** How soon the Job's TTL is set after the reconcile that records its outcome. */
    static final Duration TTL_RECHECK = Duration.ofSeconds(1);
    private static final Set<String> IMAGE_PULL_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName");
    private static final Set<String> CONFIG_WAITING = Set.of("CreateContainerConfigError", "CreateContainerError");

    private final VideoGeneration vg;
    private final Observation observation;
    private final SpecFacts facts;
    /** This render's worker report, null when there is none. */
    private final WorkerProgress report;
    private final PodHistory history;
    /** The newest pod of the Job that is pending or running, null when none. */
    private final Pod activePod;
    /** The status this reconcile read. */
    private final VideoGenerationStatus old;
    /** The status being decided, changed in place. */
    private final VideoGenerationStatus status;
    private final ConditionAggregator conditions;
    private final List<Decision.Notice> notices;
    private final String now;
    private final List<Decision.Action> actions = new ArrayList<>();
    private Duration recheckAfter;

    PhaseDecision(VideoGeneration vg, Observation observation, SpecFacts facts, WorkerProgress report, PodHistory history,
                  Pod activePod, VideoGenerationStatus old, VideoGenerationStatus status, ConditionAggregator conditions,
                  List<Decision.Notice> notices, String now) {
        this.vg = vg;
        this.observation = observation;
        this.facts = facts;
        this.report = report;
        this.history = history;
        this.activePod = activePod;
        this.old = old;
        this.status = status;
        this.conditions = conditions;
        this.notices = notices;
        this.now = now;
    }

    void decide() {
        if (facts.unreadable()) {
            // Nothing in it can be trusted, suspend included: the Job, if any, is left as it is.
            fail(Reasons.INVALID_SPEC, "Invalid spec: " + String.join("; ", observation.specProblems()));
        } else if (observation.job() == null) {
            decideWithoutJob();
        } else {
            decideWithJob(observation.job());
        }
        if (facts.suspend() && facts.queued() && observation.job() != null && !isTerminal(status.phase)) {
            status.message += "; spec.suspend is not applied to a Job in a Kueue queue: Kueue decides when it runs"
                    + " (deactivate its Workload to stop it)";
        }
    }

    List<Decision.Action> actions() {
        return actions;
    }

    /** When to look again though nothing watched changed, null: only on a change. */
    Duration recheckAfter() {
        return recheckAfter;
    }

    private void decideWithoutJob() {
        if (!observation.specProblems().isEmpty()) {
            fail(Reasons.INVALID_SPEC, "Invalid spec: " + String.join("; ", observation.specProblems()));
            return;
        }
        boolean invalidBefore = Conditions.find(old.conditions, Conditions.STALLED)
                .filter(c -> Reasons.INVALID_SPEC.equals(c.getReason())).isPresent();
        if (isTerminal(old.phase) && !invalidBefore) {
            // The Job is gone after the render ended (ttlSecondsAfterFinished): the outcome stands.
            conditions.stalled(old.phase == Phase.Failed ? Conditions.find(old.conditions, Conditions.STALLED)
                    .map(c -> c.getReason()).orElse(Reasons.FAILED) : null);
            return;
        }
        if (!observation.leftovers().isEmpty()) {
            waitForLeftovers();
            return;
        }
        if (observation.reroll().waiting() != null) {
            // Watched: the source's next checkpoint reconciles this resource again.
            conditions.activity(Reasons.WAITING_FOR_SOURCE);
            unscheduled(Phase.Pending, Reasons.WAITING_FOR_SOURCE, observation.reroll().waiting());
            return;
        }
        if (observation.createRefused() != null) {
            conditions.stalled(Reasons.WORKER_CREATE_FAILED);
            recheckAfter = CREATE_RETRY;
            unscheduled(Phase.Pending, Reasons.WORKER_CREATE_FAILED, "Cannot create the worker's " + observation.createRefused()
                    + "; tried again every " + CREATE_RETRY.toSeconds() + " s");
            warnOnce(Reasons.WORKER_CREATE_FAILED);
            return;
        }
        if (facts.suspend() && facts.queued()) {
            // Kueue would resume a queued Job: it is not created before the resource is resumed.
            unscheduled(Phase.Suspended, Reasons.SUSPENDED, "Suspended before the first section; set spec.suspend to false to queue it");
            return;
        }
        actions.add(new Decision.CreateWorker(observation.reroll().from()));
        status.jobName = Names.job(vg);
        status.specHash = observation.specHash();
        status.completionTime = null;
        if (facts.suspend()) {
            unscheduled(Phase.Suspended, Reasons.SUSPENDED, "Suspended before the first section; set spec.suspend to false to start");
        } else if (facts.queued()) {
            queued();
        } else {
            unscheduled(Phase.Pending, Reasons.CREATED, "Creating the worker Job");
        }
    }

    /** Never adopted: an earlier resource's Job would hand this one its outcome, its ConfigMaps its job. */
    private void waitForLeftovers() {
        conditions.activity(Reasons.WAITING_FOR_OLD_OBJECTS);
        recheckAfter = LEFTOVER_RECHECK;
        unscheduled(Phase.Pending, Reasons.WAITING_FOR_OLD_OBJECTS, "Waiting for " + String.join(", ", observation.leftovers())
                + " to be deleted: they bear this render's names but belong to an earlier VideoGeneration of the same"
                + " name (the garbage collector deletes them) or to something else (delete them by hand)");
    }

    private void decideWithJob(Job job) {
        status.jobName = job.getMetadata().getName();
        if (status.specHash == null) {
            status.specHash = observation.specHash();
        }
        Optional<JobCondition> finished = jobCondition(job, "Complete").or(() -> jobCondition(job, "Failed"));
        boolean jobSuspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        // With a queue, Kueue owns the Job's suspend (it resumes to admit and suspends to evict).
        boolean wantSuspended = facts.suspend();
        if (finished.isEmpty() && !facts.queued() && wantSuspended != jobSuspended) {
            actions.add(new Decision.SetJobSuspended(wantSuspended));
            jobSuspended = wantSuspended;
        }

        Integer ttl = facts.ttlSecondsAfterFinished();
        if (finished.isPresent() && ttl != null && !ttl.equals(job.getSpec().getTtlSecondsAfterFinished())) {
            if (isTerminal(old.phase)) {
                // The outcome is in the stored status (the one this reconcile read): now the Job may go.
                actions.add(new Decision.SetJobTtl(ttl));
            } else {
                // This reconcile records it; a status write starts no reconcile, so look again.
                recheckAfter = TTL_RECHECK;
            }
        }
        if (finished.isPresent() && "Complete".equals(finished.get().getType())) {
            succeed(finished.get());
        } else if (finished.isPresent()) {
            failFromJob(finished.get());
        } else if (jobSuspended) {
            suspendedOrQueued();
        } else if (activePod == null) {
            betweenPods();
        } else if ("Running".equals(Pods.phase(activePod))) {
            running(activePod);
        } else {
            pending(activePod);
        }
    }

    private void succeed(JobCondition complete) {
        status.phase = Phase.Succeeded;
        status.completionTime = complete.getLastTransitionTime() != null ? complete.getLastTransitionTime() : now;
        clearLiveWork();
        status.message = "Rendered " + (status.sectionsTotal == null ? "all" : status.sectionsTotal) + " sections"
                + (status.output == null || status.output.location == null ? "" : "; video at " + status.output.location);
        scheduledFromPod(lastPod());
    }

    private void failFromJob(JobCondition failed) {
        String reason = failed.getReason() == null ? Reasons.FAILED : failed.getReason();
        String at = " at " + (status.progress == null ? "section 0" : "section " + status.progress);
        switch (reason) {
            case "BackoffLimitExceeded" -> fail(Reasons.BACKOFF_LIMIT_EXCEEDED, "Worker failed "
                    + history.failures() + " time(s), more than spec.backoffLimit="
                    + facts.backoffLimit() + at + "; last failure: " + history.lastFailureMessage());
            case "DeadlineExceeded" -> fail(Reasons.DEADLINE_EXCEEDED, "Render ran past spec.activeDeadlineSeconds="
                    + facts.activeDeadlineSeconds() + at);
            case "PodFailurePolicy" -> fail(Reasons.INVALID_INPUT, "Worker rejected its input, not retried: "
                    + workerMessage(failed.getMessage()));
            default -> fail(reason, "Worker Job failed" + at + ": " + failed.getMessage());
        }
        status.completionTime = failed.getLastTransitionTime() != null ? failed.getLastTransitionTime() : now;
    }

    private void fail(String reason, String message) {
        status.phase = Phase.Failed;
        status.message = message;
        clearLiveWork();
        if (status.completionTime == null) {
            status.completionTime = now;
        }
        conditions.stalled(reason);
    }

    private void suspendedOrQueued() {
        if (facts.suspend() && !facts.queued()) {
            unscheduled(Phase.Suspended, Reasons.SUSPENDED, "Suspended after "
                    + (status.progress == null ? "0 sections" : status.progress + " sections")
                    + "; set spec.suspend to false to resume");
        } else {
            queued();
        }
        clearLiveWork();
    }

    private void queued() {
        unscheduled(Phase.Queued, Reasons.QUEUED, "Waiting for Kueue to admit the worker Job (queue " + facts.queueName() + ")");
    }

    /** A phase in which no worker pod is scheduled, for the given reason. */
    private void unscheduled(Phase phase, String reason, String message) {
        status.phase = phase;
        status.message = message;
        scheduled(false, reason, message);
    }

    /** No pod is at work: nothing is being sampled. */
    private void clearLiveWork() {
        status.currentSection = null;
        status.currentStep = null;
    }

    /** The Job runs but has no live pod: a failed pod is being replaced, or the first is on its way. */
    private void betweenPods() {
        status.phase = Phase.Pending;
        AttemptRecord last = history.last();
        String activity;
        if (observation.podsRefused() != null) {
            conditions.stalled(Reasons.POD_CREATE_REFUSED);
            activity = Reasons.POD_CREATE_REFUSED;
            status.message = "The Job controller cannot create the worker pod: " + observation.podsRefused();
            warnOnce(Reasons.POD_CREATE_REFUSED);
        } else if (last == null) {
            status.message = "Waiting for the Job controller to create the worker pod";
            activity = Reasons.STARTING;
        } else if (Reasons.isInterruption(last.reason)) {
            status.message = (Reasons.PREEMPTED.equals(last.reason) ? "Preempted" : "Stopped") + " after "
                    + last.sectionsCompleted + " section(s); a new pod resumes from the last checkpoint";
            activity = last.reason;
        } else {
            status.message = last.message + "; retrying (" + history.failures() + " of spec.backoffLimit="
                    + facts.backoffLimit() + " failures used)";
            activity = history.failures() >= 2 ? Reasons.CRASH_LOOP : last.reason;
        }
        conditions.activity(activity);
        scheduled(false, activity, status.message);
    }

    private void running(Pod pod) {
        status.phase = Phase.Running;
        if (status.startTime == null) {
            status.startTime = pod.getStatus() != null && pod.getStatus().getStartTime() != null ? pod.getStatus().getStartTime() : now;
        }
        scheduledFromPod(pod);
        boolean live = report != null && pod.getMetadata().getName().equals(report.podName);
        String sections = status.sectionsTotal == null ? "" : " (" + status.progress + " sections done)";
        if (live && report.resumedFromSection != null && history.anyEnded()) {
            conditions.activity(Reasons.RESUMED);
            status.message = "Resumed from section " + report.resumedFromSection + " after "
                    + history.describe() + "; " + describeWork(report) + sections;
        } else {
            conditions.activity(Reasons.RENDERING);
            status.message = (live ? describeWork(report) : "Worker starting") + sections;
        }
    }

    private void pending(Pod pod) {
        status.phase = Phase.Pending;
        status.podName = pod.getMetadata().getName();
        Optional<PodCondition> unschedulable = Pods.condition(pod, "PodScheduled")
                .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()));
        Optional<String> waiting = Pods.workerWaiting(pod);
        if (unschedulable.isPresent()) {
            conditions.activity(Reasons.UNSCHEDULABLE);
            status.message = "Waiting for a node with " + facts.gpuDescription() + ": " + unschedulable.get().getMessage();
            scheduled(false, Reasons.UNSCHEDULABLE, status.message);
            if (!Reasons.UNSCHEDULABLE.equals(conditionReason(Conditions.SCHEDULED))) {
                notices.add(new Decision.Notice(true, Reasons.UNSCHEDULABLE, status.message));
            }
            return;
        }
        scheduledFromPod(pod);
        String reason = waiting.map(w -> w.split(":", 2)[0]).orElse("");
        if (IMAGE_PULL_WAITING.contains(reason) || CONFIG_WAITING.contains(reason)) {
            String stalled = IMAGE_PULL_WAITING.contains(reason) ? Reasons.IMAGE_PULL_ERROR : Reasons.CONTAINER_CONFIG_ERROR;
            conditions.stalled(stalled);
            status.message = (IMAGE_PULL_WAITING.contains(reason) ? "Cannot pull the worker image: "
                    : "Cannot start the worker container (check Secrets and volumes): ") + waiting.get();
            warnOnce(stalled);
        } else {
            conditions.activity(Reasons.STARTING);
            status.message = "Starting the worker" + (pod.getSpec().getNodeName() == null ? "" : " on " + pod.getSpec().getNodeName());
        }
    }

    private void scheduledFromPod(Pod pod) {
        if (pod == null) {
            return;
        }
        status.podName = pod.getMetadata().getName();
        String node = pod.getSpec().getNodeName();
        if (node != null) {
            status.nodeName = node;
            scheduled(true, "Scheduled", "Worker pod " + status.podName + " runs on " + node);
        }
    }

    private void scheduled(boolean value, String reason, String message) {
        conditions.scheduled(value, reason, message);
    }

    /** A warning Event for the reason the render is stalled, only when the stored status did not have it yet. */
    private void warnOnce(String reason) {
        if (!reason.equals(conditionReason(Conditions.STALLED))) {
            notices.add(new Decision.Notice(true, reason, status.message));
        }
    }

    private String conditionReason(String type) {
        return Conditions.find(old.conditions, type).map(c -> c.getReason()).orElse(null);
    }

    private Pod lastPod() {
        List<Pod> pods = observation.pods();
        return pods.isEmpty() ? null : pods.get(pods.size() - 1);
    }

    private static String describeWork(WorkerProgress progress) {
        if (progress.state == WorkerProgress.State.Sampling && progress.currentSection != null) {
            return "sampling section " + (progress.currentSection + 1)
                    + (progress.currentStep == null ? "" : ", step " + progress.currentStep
                    + (progress.stepsPerSection == null ? "" : "/" + progress.stepsPerSection));
        }
        return "worker " + String.valueOf(progress.state).toLowerCase();
    }

    private String workerMessage(String fallback) {
        return report != null && report.message != null ? report.message : fallback;
    }

    private static boolean isTerminal(Phase phase) {
        return phase == Phase.Succeeded || phase == Phase.Failed;
    }

    private static Optional<JobCondition> jobCondition(Job job, String type) {
        return job.getStatus() == null || job.getStatus().getConditions() == null ? Optional.empty()
                : job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }
}
