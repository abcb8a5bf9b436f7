package io.framepack.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerProgress;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * The parts of a cluster the Fabric8 mock API server lacks, driven step by step by the tests:
 * a Job controller (pods from the template, {@code podFailurePolicy}, {@code backoffLimit},
 * suspend, completion), a kubelet/scheduler (pod phases, container states, disruptions), the
 * worker's progress reports, and the garbage collector (owner references).
 */
final class SimulatedCluster {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger POD_SUFFIX = new AtomicInteger();

    private final KubernetesClient client;
    private final String namespace;
    private Instant clock = Instant.parse("2026-01-01T00:00:00Z");

    SimulatedCluster(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Waits until the operator created the render's Job. */
    Job awaitJob(String name) {
        await().atMost(Duration.ofSeconds(20)).until(() -> job(name) != null);
        return job(name);
    }

    Job job(String name) {
        return client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    }

    List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    List<Pod> pods(String jobName) {
        return client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
    }

    // ---- Job controller -------------------------------------------------------------------------

    /**
     * One pass of the Job controller: count failed pods by the pod failure policy, finish the Job
     * when the policy or the backoff limit says so, stop the pods of a suspended Job, and otherwise
     * start a pod when none is active (podReplacementPolicy Failed: only after the last one ended).
     */
    Pod syncJob(String jobName) {
        Job job = job(jobName);
        if (job == null || finished(job)) {
            return null;
        }
        List<Pod> pods = pods(jobName);
        int counted = 0;
        for (Pod pod : pods) {
            if (!"Failed".equals(pod.getStatus().getPhase())) {
                continue;
            }
            String action = policyAction(job, pod);
            if ("FailJob".equals(action)) {
                return finishJob(job, "Failed", "PodFailurePolicy",
                        "Container worker for pod " + namespace + "/" + pod.getMetadata().getName()
                                + " failed with exit code 65 matching FailJob rule at index 1");
            }
            if ("Count".equals(action)) {
                counted++;
            }
        }
        JobStatus status = job.getStatus() == null ? new JobStatus() : job.getStatus();
        status.setFailed(counted);
        if (counted > job.getSpec().getBackoffLimit()) {
            return finishJob(job, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }
        if (pods.stream().anyMatch(p -> "Succeeded".equals(p.getStatus().getPhase()))) {
            return finishJob(job, "Complete", null, null);
        }
        List<Pod> active = pods.stream().filter(SimulatedCluster::active).toList();
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            // The Job controller deletes the active pods: SIGTERM, and the worker checkpoints and exits 75
            // (no DisruptionTarget); a pod whose worker never started just goes.
            active.forEach(p -> {
                if ("Running".equals(p.getStatus().getPhase())) {
                    exit(p, ExitCode.TERMINATED.code, "Error");
                } else {
                    client.resource(p).delete();
                }
            });
            status.setActive(0);
            updateJobStatus(job, status);
            return null;
        }
        Pod pod = active.isEmpty() ? createPod(job) : active.get(0);
        status.setActive(pod == null ? 0 : 1);
        if (status.getStartTime() == null) {
            status.setStartTime(now());
        }
        updateJobStatus(job, status);
        return pod;
    }

    /** What Kueue does to admit (false) or evict (true) a queued Job. */
    void kueueSetsSuspend(String jobName, boolean suspend) {
        client.batch().v1().jobs().inNamespace(namespace).withName(jobName).edit(job -> {
            job.getSpec().setSuspend(suspend);
            return job;
        });
    }

    Job failJobForDeadline(String jobName) {
        Job job = job(jobName);
        pods(jobName).stream().filter(SimulatedCluster::active).forEach(p -> client.resource(p).delete());
        finishJob(job, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
        return job(jobName);
    }

    private Pod finishJob(Job job, String type, String reason, String message) {
        JobStatus status = job.getStatus() == null ? new JobStatus() : job.getStatus();
        List<JobCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.add(new JobConditionBuilder().withType(type).withStatus("True").withReason(reason)
                .withMessage(message).withLastTransitionTime(now()).build());
        status.setConditions(conditions);
        status.setActive(0);
        if ("Complete".equals(type)) {
            status.setSucceeded(1);
            status.setCompletionTime(now());
        }
        updateJobStatus(job, status);
        return null;
    }

    private void updateJobStatus(Job job, JobStatus status) {
        Job fresh = job(job.getMetadata().getName());
        fresh.setStatus(status);
        client.resource(fresh).updateStatus();
    }

    private static boolean finished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream().anyMatch(c -> "True".equals(c.getStatus())
                && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
    }

    private static boolean active(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Pending".equals(phase) || "Running".equals(phase);
    }

    /** The first rule of the Job's pod failure policy that matches the failed pod; "Count" when none does. */
    private static String policyAction(Job job, Pod pod) {
        Integer exitCode = exitCode(pod);
        for (PodFailurePolicyRule rule : job.getSpec().getPodFailurePolicy().getRules()) {
            boolean matches;
            if (rule.getOnPodConditions() != null && !rule.getOnPodConditions().isEmpty()) {
                matches = rule.getOnPodConditions().stream().anyMatch(want -> pod.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals(want.getType()) && c.getStatus().equals(want.getStatus())));
            } else {
                var codes = rule.getOnExitCodes();
                boolean in = exitCode != null && codes.getValues().contains(exitCode);
                matches = exitCode != null && exitCode != 0 && ("In".equals(codes.getOperator()) == in);
            }
            if (matches) {
                return rule.getAction();
            }
        }
        return "Count";
    }

    private static Integer exitCode(Pod pod) {
        return pod.getStatus().getContainerStatuses() == null ? null : pod.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getState() != null && c.getState().getTerminated() != null)
                .map(c -> c.getState().getTerminated().getExitCode()).findFirst().orElse(null);
    }

    /** Admission may refuse the pod (here: an unknown PriorityClass); the Job controller then records FailedCreate on the Job. */
    private Pod createPod(Job job) {
        var template = job.getSpec().getTemplate();
        String priorityClass = template.getSpec().getPriorityClassName();
        if (priorityClass != null && client.scheduling().v1().priorityClasses().withName(priorityClass).get() == null) {
            String now = now();
            client.v1().events().inNamespace(namespace).resource(new EventBuilder().withNewMetadata()
                    .withName(job.getMetadata().getName() + "." + POD_SUFFIX.incrementAndGet()).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind("Job").withApiVersion("batch/v1")
                            .withName(job.getMetadata().getName()).withNamespace(namespace).withUid(job.getMetadata().getUid()).build())
                    .withReason("FailedCreate").withType("Warning").withFirstTimestamp(now).withLastTimestamp(now)
                    .withMessage("Error creating: pods \"" + job.getMetadata().getName() + "-x\" is forbidden: no PriorityClass with name "
                            + priorityClass + " was found")
                    .build()).create();
            return null;
        }
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(job.getMetadata().getName() + "-" + String.format("%05d", POD_SUFFIX.incrementAndGet()))
                .withNamespace(namespace)
                .withLabels(template.getMetadata().getLabels())
                .addToLabels("job-name", job.getMetadata().getName())
                .addToLabels("batch.kubernetes.io/job-name", job.getMetadata().getName())
                .withCreationTimestamp(now())
                .withOwnerReferences(WorkerObjects.ownerReference(job))
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
        Pod created = client.resource(pod).create();
        created.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                .withConditions(condition("PodScheduled", "False", null, null)).build());
        return client.resource(created).updateStatus();
    }

    // ---- scheduler and kubelet ------------------------------------------------------------------

    Pod unschedulable(Pod pod, String message) {
        return updatePod(pod, p -> {
            p.getStatus().setConditions(List.of(condition("PodScheduled", "False", "Unschedulable", message)));
        });
    }

    Pod scheduleAndRun(Pod pod, String node) {
        Pod bound = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                .edit(p -> new PodBuilder(p).editSpec().withNodeName(node).endSpec().build());
        return updatePod(bound, p -> {
            p.getStatus().setPhase("Running");
            p.getStatus().setStartTime(now());
            p.getStatus().setConditions(List.of(condition("PodScheduled", "True", null, null),
                    condition("Ready", "True", null, null)));
            p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(Names.WORKER_CONTAINER)
                    .withReady(true).withNewState().withNewRunning().withStartedAt(now()).endRunning().endState().build()));
        });
    }

    Pod imagePullBackOff(Pod pod, String node) {
        Pod bound = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                .edit(p -> new PodBuilder(p).editSpec().withNodeName(node).endSpec().build());
        return updatePod(bound, p -> {
            p.getStatus().setConditions(List.of(condition("PodScheduled", "True", null, null)));
            p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(Names.WORKER_CONTAINER)
                    .withNewState().withNewWaiting().withReason("ImagePullBackOff")
                    .withMessage("Back-off pulling image \"" + p.getSpec().getContainers().get(0).getImage() + "\"")
                    .endWaiting().endState().build()));
        });
    }

    Pod exit(Pod pod, int exitCode, String reason) {
        return updatePod(pod, p -> {
            p.getStatus().setPhase(exitCode == 0 ? "Succeeded" : "Failed");
            p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(Names.WORKER_CONTAINER)
                    .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason)
                    .withFinishedAt(now()).endTerminated().endState().build()));
        });
    }

    /** Preemption, eviction or drain: the kubelet adds DisruptionTarget, SIGTERM, the worker checkpoints and exits 75. */
    Pod preempt(Pod pod) {
        Pod disrupted = updatePod(pod, p -> {
            List<PodCondition> conditions = new ArrayList<>(p.getStatus().getConditions());
            conditions.add(condition("DisruptionTarget", "True", "PreemptionByScheduler",
                    "Kubernetes Scheduler: preempting to accommodate a higher priority pod"));
            p.getStatus().setConditions(conditions);
        });
        return exit(disrupted, 75, "Error");
    }

    private Pod updatePod(Pod pod, java.util.function.Consumer<Pod> change) {
        Pod fresh = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
        change.accept(fresh);
        return client.resource(fresh).updateStatus();
    }

    private PodCondition condition(String type, String status, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(now()).build();
    }

    // ---- the worker's progress reports ----------------------------------------------------------

    /** What a worker pod writes to its progress ConfigMap while it renders. */
    void report(VideoGeneration vg, Pod pod, WorkerProgress progress) {
        progress.jobId = Names.jobId(vg);
        progress.podName = pod.getMetadata().getName();
        if (progress.output != null && progress.output.file == null) {
            progress.output.file = vg.getMetadata().getName() + ".mp4";
            progress.output.location = WorkerContract.OUTPUT_MOUNT + "/" + progress.output.file;
        }
        progress.updatedAt = now();
        String name = pod.getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> WorkerContract.ENV_PROGRESS_CONFIGMAP.equals(e.getName())).findFirst().orElseThrow().getValue();
        try {
            String json = JSON.writeValueAsString(progress);
            client.configMaps().inNamespace(namespace).withName(name)
                    .edit(cm -> {
                        cm.setData(Map.of(WorkerContract.PROGRESS_KEY, json));
                        return cm;
                    });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A progress report after {@code completed} of {@code total} sections, sampling the next one. */
    WorkerProgress progress(int total, int completed, Integer resumedFrom, int attempt) {
        WorkerProgress progress = new WorkerProgress();
        progress.state = completed == total ? WorkerProgress.State.Succeeded : WorkerProgress.State.Sampling;
        progress.sectionsTotal = total;
        progress.sectionsCompleted = completed;
        progress.currentSection = completed == total ? null : completed;
        progress.currentStep = completed == total ? null : 7;
        progress.stepsPerSection = 25;
        progress.resumedFromSection = resumedFrom;
        progress.attempt = attempt;
        for (int i = resumedFrom == null ? 0 : resumedFrom; i < completed; i++) {
            VideoGenerationStatus.SectionStatus section = new VideoGenerationStatus.SectionStatus();
            section.index = i;
            section.startedAt = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(31L * i).toString();
            section.finishedAt = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(31L * i + 30).toString();
            section.durationSeconds = 30.5;
            section.frames = 37 + 36 * i;
            progress.sections.add(section);
        }
        if (completed > 0) {
            progress.lastCheckpoint = new WorkerProgress.Checkpoint();
            progress.lastCheckpoint.section = completed;
            progress.lastCheckpoint.location = "/checkpoints/section-" + completed;
            progress.lastCheckpoint.time = now();
            progress.lastCheckpoint.sizeBytes = 1024L * completed;
        }
        if (completed == total) {
            progress.output = new WorkerProgress.Output();
            progress.output.sizeBytes = 123456L;
            progress.output.frames = 37 + 36 * (total - 1);
        }
        return progress;
    }

    // ---- TTL controller and garbage collector ---------------------------------------------------

    /** The TTL-after-finished controller once every TTL has run out: deletes each finished Job that has one, and its pods. */
    void expireFinishedJobs() {
        jobs().stream().filter(job -> finished(job) && job.getSpec().getTtlSecondsAfterFinished() != null)
                .forEach(job -> client.resource(job).delete());
        collectGarbage();
    }

    /** Deletes, until nothing changes, every object whose controller owner no longer exists. */
    void collectGarbage() {
        boolean deleted;
        do {
            deleted = false;
            List<HasMetadata> all = new ArrayList<>();
            all.addAll(client.batch().v1().jobs().inNamespace(namespace).list().getItems());
            all.addAll(client.pods().inNamespace(namespace).list().getItems());
            all.addAll(client.configMaps().inNamespace(namespace).list().getItems());
            all.addAll(client.serviceAccounts().inNamespace(namespace).list().getItems());
            all.addAll(client.rbac().roles().inNamespace(namespace).list().getItems());
            all.addAll(client.rbac().roleBindings().inNamespace(namespace).list().getItems());
            for (HasMetadata object : all) {
                Optional<OwnerReference> owner = object.getMetadata().getOwnerReferences().stream()
                        .filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
                if (owner.isPresent() && !ownerExists(owner.get())) {
                    client.resource(object).delete();
                    deleted = true;
                }
            }
        } while (deleted);
    }

    private boolean ownerExists(OwnerReference owner) {
        HasMetadata found = switch (owner.getKind()) {
            case "VideoGeneration" -> client.resources(VideoGeneration.class).inNamespace(namespace).withName(owner.getName()).get();
            case "Job" -> job(owner.getName());
            default -> throw new IllegalStateException("unexpected owner kind " + owner.getKind());
        };
        return found != null && Objects.equals(found.getMetadata().getUid(), owner.getUid());
    }

    private String now() {
        clock = clock.plusSeconds(1);
        return clock.toString();
    }
}
