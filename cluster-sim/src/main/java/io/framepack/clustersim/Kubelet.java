package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The node side of a pod's life, plus the scheduler's and the pod garbage collector's parts in
 * it: binding (or not) to a node, the container's states, disruption conditions, and what
 * happens to a deleted pod. What runs in the container is {@link Containers}.
 *
 * <p>A deleted pod keeps existing while the Job controller's finalizer is on it (see
 * {@link JobController}): a running container is stopped (SIGTERM, the program's own exit); a pod
 * that never ran ends {@code Failed} at once, with a {@code DisruptionTarget} condition when it was
 * never scheduled (the pod garbage collector's "DeletionByPodGC",
 * https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-conditions).
 */
public final class Kubelet {
    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final Containers containers;

    public Kubelet(KubernetesClient client, String namespace, Clock clock, Containers containers) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
        this.containers = containers;
    }

    /** The scheduler finds no node: the pod stays Pending with the scheduler's reason. */
    public Pod unschedulable(Pod pod, String message) {
        return updateStatus(pod, status -> setCondition(status, condition("PodScheduled", "False", "Unschedulable", message)));
    }

    /** Scheduled to {@code node}, the image pulled, the container started. */
    public Pod run(Pod pod, String node) {
        Pod bound = bind(pod, node);
        Pod running = updateStatus(bound, status -> {
            status.setPhase("Running");
            status.setStartTime(now());
            setCondition(status, condition("Ready", "True", null, null));
            status.setContainerStatuses(List.of(containerStatus(bound).withReady(true).withStarted(true)
                    .withNewState().withNewRunning().withStartedAt(now()).endRunning().endState().build()));
        });
        containers.start(running, this);
        return running;
    }

    /** Scheduled to {@code node}, but the image cannot be pulled: the pod stays Pending. */
    public Pod imagePullBackOff(Pod pod, String node) {
        Pod bound = bind(pod, node);
        return updateStatus(bound, status -> status.setContainerStatuses(List.of(containerStatus(bound)
                .withNewState().withNewWaiting().withReason("ImagePullBackOff")
                .withMessage("Back-off pulling image \"" + bound.getSpec().getContainers().get(0).getImage() + "\"")
                .endWaiting().endState().build())));
    }

    /** The container ended (restartPolicy Never): the pod's phase follows its exit code. */
    public Pod terminated(Pod pod, int exitCode, String reason) {
        return updateStatus(pod, status -> {
            status.setPhase(exitCode == 0 ? "Succeeded" : "Failed");
            setCondition(status, condition("Ready", "False", "PodCompleted", null));
            status.setContainerStatuses(List.of(containerStatus(pod).withReady(false).withStarted(false)
                    .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason)
                    .withFinishedAt(now()).endTerminated().endState().build()));
        });
    }

    /**
     * Preemption by the scheduler (or an eviction, a drain, with another reason): the pod gets the
     * {@code DisruptionTarget} condition and is deleted; the deletion then stops its container.
     */
    public Pod disrupt(Pod pod, String reason, String message) {
        updateStatus(pod, status -> setCondition(status, condition("DisruptionTarget", "True", reason, message)));
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        return stopIfDeleted(client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get());
    }

    /** Every pod deleted while it has not ended: its container is stopped, or it fails at once if it never ran. */
    public void sync() {
        client.pods().inNamespace(namespace).list().getItems().forEach(this::stopIfDeleted);
    }

    /** {@link #sync} for the pods of one Job only. */
    public void syncPodsOf(String jobName) {
        client.pods().inNamespace(namespace).withLabel(JobController.JOB_NAME_LABEL, jobName).list().getItems()
                .forEach(this::stopIfDeleted);
    }

    /** Binds each pod no node has yet to {@code node} and runs it (a one-node cluster with room for all). */
    public void runPending(String node) {
        client.pods().inNamespace(namespace).list().getItems().stream()
                .filter(p -> p.getSpec().getNodeName() == null && p.getMetadata().getDeletionTimestamp() == null
                        && "Pending".equals(phase(p)))
                .forEach(p -> run(p, node));
    }

    private Pod stopIfDeleted(Pod pod) {
        if (pod == null || pod.getMetadata().getDeletionTimestamp() == null || isTerminal(pod)) {
            return pod;
        }
        if ("Running".equals(phase(pod))) {
            containers.stop(pod, this);
            return client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
        }
        boolean neverScheduled = pod.getSpec().getNodeName() == null;
        return updateStatus(pod, status -> {
            status.setPhase("Failed");
            if (neverScheduled) {
                setCondition(status, condition("DisruptionTarget", "True", "DeletionByPodGC",
                        "PodGC: node no longer exists or the pod was never scheduled"));
            }
        });
    }

    static boolean isTerminal(Pod pod) {
        String phase = phase(pod);
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    private Pod bind(Pod pod, String node) {
        Pod bound = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                .edit(p -> new PodBuilder(p).editSpec().withNodeName(node).endSpec().build());
        return updateStatus(bound, status -> setCondition(status, condition("PodScheduled", "True", null, null)));
    }

    private ContainerStatusBuilder containerStatus(Pod pod) {
        ContainerStatus old = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                || pod.getStatus().getContainerStatuses().isEmpty() ? null : pod.getStatus().getContainerStatuses().get(0);
        return new ContainerStatusBuilder().withName(pod.getSpec().getContainers().get(0).getName())
                .withImage(pod.getSpec().getContainers().get(0).getImage())
                .withRestartCount(old == null ? 0 : old.getRestartCount());
    }

    private Pod updateStatus(Pod pod, Consumer<PodStatus> change) {
        Pod fresh = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
        if (fresh == null) {
            return null; // gone meanwhile (a process that ended after its pod was removed)
        }
        if (fresh.getStatus() == null) {
            fresh.setStatus(new PodStatus());
        }
        change.accept(fresh.getStatus());
        return client.resource(fresh).updateStatus();
    }

    /** Replaces the condition of the same type, keeping its transition time when its status stays. */
    private static void setCondition(PodStatus status, PodCondition condition) {
        List<PodCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.stream().filter(c -> c.getType().equals(condition.getType()) && c.getStatus().equals(condition.getStatus()))
                .findFirst().ifPresent(c -> condition.setLastTransitionTime(c.getLastTransitionTime()));
        conditions.removeIf(c -> c.getType().equals(condition.getType()));
        conditions.add(condition);
        status.setConditions(conditions);
    }

    private PodCondition condition(String type, String status, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(now()).build();
    }

    /** Whole seconds, as the API server writes times. */
    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
