package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Kubernetes Job controller for one namespace, one pass at a time, as
 * https://kubernetes.io/docs/concepts/workloads/controllers/job/ documents it, for the Jobs an
 * operator creates here: one pod at a time (parallelism and completions 1, NonIndexed;
 * {@code restartPolicy: Never}). Other shapes are refused rather than simulated wrongly.
 * <ul>
 * <li>Pods from the template, labelled {@code batch.kubernetes.io/job-name} and
 * {@code batch.kubernetes.io/controller-uid} (and the legacy {@code job-name},
 * {@code controller-uid}), controlled by the Job (owner reference with its uid), created through
 * admission; a refusal is a {@code FailedCreate} Event on the Job ("Pod backoff failure policy",
 * "Controlling parallelism").</li>
 * <li>Pods belong to the Job by the Job's uid, never by name: a Job created again under the same
 * name ignores the pods of the earlier one ("Specifying your own Pod selector").</li>
 * <li>Job tracking with finalizers: each pod carries {@code batch.kubernetes.io/job-tracking} until
 * the controller has counted it in the status; a deleted pod stays, terminating, until then.</li>
 * <li>Pod failure policy: rules in order, the first match decides ({@code FailJob}, {@code Ignore},
 * {@code Count}); exit codes of terminated containers other than 0, or pod conditions (status
 * default True); no match counts. Pod backoff failure policy: more counted failures than
 * {@code backoffLimit} (default 6) fails the Job ({@code BackoffLimitExceeded}).</li>
 * <li>Pod replacement policy: {@code Failed} (the default with a pod failure policy) replaces a pod
 * only once it has ended; {@code TerminatingOrFailed} already while it terminates.</li>
 * <li>{@code activeDeadlineSeconds} from {@code status.startTime} ({@code DeadlineExceeded}); it
 * takes precedence over the backoff limit ("Job termination and cleanup").</li>
 * <li>Suspending deletes the active pods (SIGTERM; their ends are counted like any other, so the
 * pod failure policy decides) and sets {@code Suspended}; resuming resets {@code startTime}
 * ("Suspending a Job").</li>
 * <li>Terminal conditions: {@code FailureTarget} or {@code SuccessCriteriaMet} first, the active
 * pods terminated, and {@code Failed} or {@code Complete} only once no pod is left running or
 * terminating ("Terminal Job conditions", Kubernetes 1.31 and later).</li>
 * </ul>
 * Not simulated: the exponential delay before a replacement pod (10 s, 20 s, ...); it makes a
 * replacement later, never different.
 */
public final class JobController {
    public static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    public static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
    public static final String CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
    private static final String POD_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final AtomicLong NAMES = new AtomicLong();

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final PodAdmission admission;

    public JobController(KubernetesClient client, String namespace, Clock clock, PodAdmission admission) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
        this.admission = admission;
    }

    /** One pass over every Job of the namespace, and the pods whose Job is gone. */
    public void syncAll() {
        client.batch().v1().jobs().inNamespace(namespace).list().getItems().forEach(job -> sync(job.getMetadata().getName()));
        releaseOrphans();
    }

    /**
     * One pass for one Job: count ended pods, decide whether the Job ends, stop or start pods.
     *
     * @return the Job's active pod after the pass (the one just created, if any), or null
     */
    public Pod sync(String jobName) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        if (job == null) {
            return null;
        }
        checkSupported(job);
        JobStatus status = job.getStatus() == null ? new JobStatus() : job.getStatus();
        List<Pod> pods = account(job, status);
        if (condition(status, "Complete").isPresent() || condition(status, "Failed").isPresent()) {
            return null;
        }
        List<Pod> running = pods.stream().filter(p -> !Kubelet.isTerminal(p)).toList();
        List<Pod> active = running.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        if (!suspended && condition(status, "Suspended").isPresent()) {
            setCondition(status, jobCondition("Suspended", "False", "JobResumed", "Job resumed"));
            event(job, "Normal", "Resumed", "Job resumed");
            status.setStartTime(now()); // the active deadline counts from the resumption
        }

        if (condition(status, "FailureTarget").isEmpty() && condition(status, "SuccessCriteriaMet").isEmpty()) {
            Optional<JobCondition> ending = ending(job, status, suspended);
            ending.ifPresent(c -> setCondition(status, c));
        }
        Optional<JobCondition> target = condition(status, "FailureTarget").or(() -> condition(status, "SuccessCriteriaMet"));
        if (target.isPresent()) {
            active.forEach(this::delete);
            if (running.isEmpty()) {
                finish(status, target.get());
            }
            writeStatus(job, status, 0, running.size());
            return null;
        }
        if (suspended) {
            active.forEach(this::delete);
            if (condition(status, "Suspended").isEmpty()) {
                setCondition(status, jobCondition("Suspended", "True", "JobSuspended", "Job suspended"));
                event(job, "Normal", "Suspended", "Job suspended");
            }
            writeStatus(job, status, 0, running.size());
            return null;
        }
        if (status.getStartTime() == null) {
            status.setStartTime(now());
        }
        boolean replaceOnlyEnded = "Failed".equals(replacementPolicy(job));
        Pod pod = active.isEmpty() && (!replaceOnlyEnded || running.isEmpty()) ? createPod(job) : active.stream().findFirst().orElse(null);
        writeStatus(job, status, pod == null ? 0 : 1, running.size() - active.size());
        return pod;
    }

    /** Removes the tracking finalizer from pods whose Job no longer exists, so that they can go. */
    public void releaseOrphans() {
        for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
            String uid = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(CONTROLLER_UID_LABEL);
            if (uid != null && hasFinalizer(pod) && client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
                    .noneMatch(j -> uid.equals(j.getMetadata().getUid()))) {
                releaseFinalizer(pod);
            }
        }
    }

    // ---- counting ended pods -------------------------------------------------------------------

    /** Counts each ended pod that still has the finalizer, then removes it; returns the Job's pods still there. */
    private List<Pod> account(Job job, JobStatus status) {
        List<Pod> pods = podsOf(job);
        int succeeded = zeroIfNull(status.getSucceeded());
        int failed = zeroIfNull(status.getFailed());
        List<Pod> counted = new ArrayList<>();
        for (Pod pod : pods) {
            if (!hasFinalizer(pod) || !Kubelet.isTerminal(pod)) {
                continue;
            }
            counted.add(pod);
            if ("Succeeded".equals(Kubelet.phase(pod))) {
                succeeded++;
                continue;
            }
            PolicyMatch match = policyMatch(job, pod);
            if ("FailJob".equals(match.action) && condition(status, "FailureTarget").isEmpty()) {
                setCondition(status, jobCondition("FailureTarget", "True", "PodFailurePolicy", match.message));
            }
            if ("Count".equals(match.action)) {
                failed++;
            }
        }
        status.setSucceeded(succeeded);
        status.setFailed(failed);
        if (!counted.isEmpty()) {
            // The status holds the count before the finalizers go, so no ended pod is counted twice or lost.
            writeStatus(job, status, zeroIfNull(status.getActive()), zeroIfNull(status.getTerminating()));
            counted.forEach(this::releaseFinalizer);
        }
        return podsOf(job);
    }

    private record PolicyMatch(String action, String message) {
    }

    /** The first rule of the pod failure policy that matches the failed pod; Count when none does. */
    private PolicyMatch policyMatch(Job job, Pod pod) {
        if (job.getSpec().getPodFailurePolicy() == null) {
            return new PolicyMatch("Count", null);
        }
        List<PodFailurePolicyRule> rules = job.getSpec().getPodFailurePolicy().getRules();
        for (int index = 0; index < rules.size(); index++) {
            PodFailurePolicyRule rule = rules.get(index);
            if (rule.getOnExitCodes() != null) {
                Optional<ContainerStatus> container = matchingContainer(pod, rule.getOnExitCodes());
                if (container.isPresent()) {
                    return new PolicyMatch(rule.getAction(), "Container " + container.get().getName() + " for pod " + namespace + "/"
                            + pod.getMetadata().getName() + " failed with exit code "
                            + container.get().getState().getTerminated().getExitCode() + " matching " + rule.getAction()
                            + " rule at index " + index);
                }
            } else if (rule.getOnPodConditions() != null && rule.getOnPodConditions().stream().anyMatch(pattern ->
                    pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream().anyMatch(c ->
                            c.getType().equals(pattern.getType())
                                    && c.getStatus().equals(Objects.requireNonNullElse(pattern.getStatus(), "True"))))) {
                return new PolicyMatch(rule.getAction(), "Pod " + namespace + "/" + pod.getMetadata().getName()
                        + " has condition matching " + rule.getAction() + " rule at index " + index);
            }
        }
        return new PolicyMatch("Count", null);
    }

    /** A terminated container (of the named one, if the rule names it) whose exit code, never 0, satisfies the rule. */
    private static Optional<ContainerStatus> matchingContainer(Pod pod, PodFailurePolicyOnExitCodesRequirement requirement) {
        List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses() == null ? List.of() : pod.getStatus().getContainerStatuses();
        return statuses.stream()
                .filter(c -> requirement.getContainerName() == null || requirement.getContainerName().equals(c.getName()))
                .filter(c -> c.getState() != null && c.getState().getTerminated() != null)
                .filter(c -> {
                    int code = c.getState().getTerminated().getExitCode();
                    boolean listed = requirement.getValues().contains(code);
                    return code != 0 && ("In".equals(requirement.getOperator()) == listed);
                })
                .findFirst();
    }

    // ---- deciding the end ----------------------------------------------------------------------

    private Optional<JobCondition> ending(Job job, JobStatus status, boolean suspended) {
        if (zeroIfNull(status.getSucceeded()) >= 1) {
            return Optional.of(jobCondition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"));
        }
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        if (deadline != null && !suspended && status.getStartTime() != null
                && !clock.instant().isBefore(Instant.parse(status.getStartTime()).plusSeconds(deadline))) {
            return Optional.of(jobCondition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline"));
        }
        int backoffLimit = Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), 6);
        if (zeroIfNull(status.getFailed()) > backoffLimit) {
            return Optional.of(jobCondition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
        }
        return Optional.empty();
    }

    private void finish(JobStatus status, JobCondition target) {
        boolean success = "SuccessCriteriaMet".equals(target.getType());
        setCondition(status, jobCondition(success ? "Complete" : "Failed", "True", target.getReason(), target.getMessage()));
        if (success) {
            status.setCompletionTime(now());
        }
    }

    // ---- pods ----------------------------------------------------------------------------------

    private List<Pod> podsOf(Job job) {
        return client.pods().inNamespace(namespace).withLabel(CONTROLLER_UID_LABEL, job.getMetadata().getUid()).list().getItems()
                .stream().sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
                        .thenComparing(p -> p.getMetadata().getName())).toList();
    }

    private Pod createPod(Job job) {
        String jobName = job.getMetadata().getName();
        var template = job.getSpec().getTemplate();
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(jobName + "-" + suffix())
                .withNamespace(namespace)
                .withLabels(template.getMetadata() == null ? null : template.getMetadata().getLabels())
                .addToLabels(JOB_NAME_LABEL, jobName)
                .addToLabels(CONTROLLER_UID_LABEL, job.getMetadata().getUid())
                .addToLabels("job-name", jobName)
                .addToLabels("controller-uid", job.getMetadata().getUid())
                .withAnnotations(template.getMetadata() == null ? null : template.getMetadata().getAnnotations())
                .withCreationTimestamp(now())
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(jobName)
                .withUid(job.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).endOwnerReference()
                .addToFinalizers(TRACKING_FINALIZER)
                .endMetadata()
                .withSpec(template.getSpec())
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
        Optional<String> refusal = admission.refusal(pod);
        if (refusal.isPresent()) {
            event(job, "Warning", "FailedCreate", "Error creating: " + refusal.get());
            return null;
        }
        Pod created = client.resource(pod).create();
        created.setStatus(pod.getStatus());
        event(job, "Normal", "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
        return client.resource(created).updateStatus();
    }

    private void delete(Pod pod) {
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
    }

    private static boolean hasFinalizer(Pod pod) {
        return pod.getMetadata().getFinalizers() != null && pod.getMetadata().getFinalizers().contains(TRACKING_FINALIZER);
    }

    private void releaseFinalizer(Pod pod) {
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).edit(p -> {
            p.getMetadata().getFinalizers().remove(TRACKING_FINALIZER);
            return p;
        });
    }

    private static String replacementPolicy(Job job) {
        if (job.getSpec().getPodReplacementPolicy() != null) {
            return job.getSpec().getPodReplacementPolicy();
        }
        return job.getSpec().getPodFailurePolicy() != null ? "Failed" : "TerminatingOrFailed";
    }

    private static void checkSupported(Job job) {
        var spec = job.getSpec();
        if (Objects.requireNonNullElse(spec.getParallelism(), 1) != 1 || Objects.requireNonNullElse(spec.getCompletions(), 1) != 1
                || "Indexed".equals(spec.getCompletionMode()) || spec.getSuccessPolicy() != null || spec.getBackoffLimitPerIndex() != null
                || !"Never".equals(spec.getTemplate().getSpec().getRestartPolicy())) {
            throw new IllegalArgumentException("Job " + job.getMetadata().getName() + ": the simulated Job controller runs one pod at a time"
                    + " with restartPolicy Never (parallelism and completions 1, NonIndexed, no success policy)");
        }
    }

    // ---- status and events ---------------------------------------------------------------------

    private void writeStatus(Job job, JobStatus status, int active, int terminating) {
        status.setActive(active);
        status.setTerminating("Failed".equals(replacementPolicy(job)) ? terminating : null);
        status.setReady(active == 0 ? 0 : (int) podsOf(job).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
                && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).count());
        Job fresh = client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName()).get();
        if (fresh != null && Objects.equals(fresh.getMetadata().getUid(), job.getMetadata().getUid())) {
            fresh.setStatus(status);
            client.resource(fresh).updateStatus();
        }
    }

    private static Optional<JobCondition> condition(JobStatus status, String type) {
        return status.getConditions() == null ? Optional.empty() : status.getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }

    private static void setCondition(JobStatus status, JobCondition condition) {
        List<JobCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.removeIf(c -> c.getType().equals(condition.getType()));
        conditions.add(condition);
        status.setConditions(conditions);
    }

    private JobCondition jobCondition(String type, String status, String reason, String message) {
        String now = now();
        return new JobConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    private void event(Job job, String type, String reason, String message) {
        String now = now();
        client.v1().events().inNamespace(namespace).resource(new EventBuilder().withNewMetadata()
                .withName(job.getMetadata().getName() + "." + Long.toHexString(NAMES.incrementAndGet())).withNamespace(namespace).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withKind("Job").withApiVersion("batch/v1")
                        .withName(job.getMetadata().getName()).withNamespace(namespace).withUid(job.getMetadata().getUid()).build())
                .withReason(reason).withType(type).withMessage(message).withFirstTimestamp(now).withLastTimestamp(now)
                .withNewSource().withComponent("job-controller").endSource()
                .build()).create();
    }

    /** Five characters of the alphabet Kubernetes uses for generated names. */
    private static String suffix() {
        long n = NAMES.incrementAndGet() * 7919 + 104729;
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            suffix.append(POD_NAME_ALPHABET.charAt((int) (n % POD_NAME_ALPHABET.length())));
            n /= POD_NAME_ALPHABET.length();
        }
        return suffix.toString();
    }

    /** Whole seconds, as the API server writes times. */
    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static int zeroIfNull(Integer value) {
        return value == null ? 0 : value;
    }
}
