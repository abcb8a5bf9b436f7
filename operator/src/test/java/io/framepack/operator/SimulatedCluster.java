package io.framepack.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerProgress;
import io.framepack.clustersim.Containers;
import io.framepack.clustersim.GarbageCollector;
import io.framepack.clustersim.JobController;
import io.framepack.clustersim.Kubelet;
import io.framepack.clustersim.PodAdmission;
import io.framepack.clustersim.SteppingClock;
import io.framepack.clustersim.TtlAfterFinishedController;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The cluster around the operator in its tests, driven step by step: the shared simulation
 * ({@code cluster-sim}: Job controller, kubelet with scripted containers, TTL controller, garbage
 * collector, on a stepping clock) and the worker's progress reports. A worker stopped by SIGTERM
 * checkpoints and exits 75, as the real one does.
 */
final class SimulatedCluster {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String namespace;
    private final SteppingClock clock = new SteppingClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final JobController jobController;
    private final Kubelet kubelet;
    private final TtlAfterFinishedController ttlController;
    private final GarbageCollector garbageCollector;

    SimulatedCluster(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        jobController = new JobController(client, namespace, clock, PodAdmission.priorityAndRuntimeClasses(client));
        kubelet = new Kubelet(client, namespace, clock, Containers.scripted(ExitCode.TERMINATED.code));
        ttlController = new TtlAfterFinishedController(client, namespace, clock);
        garbageCollector = new GarbageCollector(client, namespace, Map.of("VideoGeneration",
                (c, name) -> c.resources(VideoGeneration.class).inNamespace(namespace).withName(name).get()));
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
                .sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp())).toList();
    }

    /** Time passes (a deadline, a TTL) without anything else happening. */
    void passTime(Duration duration) {
        clock.advance(duration);
    }

    // ---- Job controller and kubelet -------------------------------------------------------------

    /**
     * One pass of the Job controller, then of the kubelet (which stops the containers of the pods
     * that pass deleted). Returns the Job's active pod, or null.
     */
    Pod syncJob(String jobName) {
        Pod pod = jobController.sync(jobName);
        kubelet.syncPodsOf(jobName);
        return pod;
    }

    /** What Kueue does to admit (false) or evict (true) a queued Job. */
    void kueueSetsSuspend(String jobName, boolean suspend) {
        client.batch().v1().jobs().inNamespace(namespace).withName(jobName).edit(job -> {
            job.getSpec().setSuspend(suspend);
            return job;
        });
    }

    Pod unschedulable(Pod pod, String message) {
        return kubelet.unschedulable(pod, message);
    }

    Pod scheduleAndRun(Pod pod, String node) {
        return kubelet.run(pod, node);
    }

    Pod imagePullBackOff(Pod pod, String node) {
        return kubelet.imagePullBackOff(pod, node);
    }

    Pod exit(Pod pod, int exitCode, String reason) {
        return kubelet.terminated(pod, exitCode, reason);
    }

    /** Preemption: the scheduler marks the pod DisruptionTarget and deletes it; SIGTERM, the worker exits 75. */
    Pod preempt(Pod pod) {
        return kubelet.disrupt(pod, "PreemptionByScheduler", "Kubernetes Scheduler: preempting to accommodate a higher priority pod");
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

    /** The TTL-after-finished controller, then the garbage collector. */
    void expireFinishedJobs() {
        ttlController.sync();
        collectGarbage();
    }

    /**
     * The garbage collector until nothing is left to do: it deletes what lost its owner, the kubelet
     * stops the deleted pods, the Job controller lets go of the pods of Jobs that are gone.
     */
    void collectGarbage() {
        while (garbageCollector.collect()) {
            kubelet.sync();
            jobController.releaseOrphans();
        }
    }

    private String now() {
        return clock.instant().toString();
    }
}
