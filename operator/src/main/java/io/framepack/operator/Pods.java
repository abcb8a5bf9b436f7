package io.framepack.operator;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Reading a worker pod's status, which the API server may not have filled in yet. */
final class Pods {
    private Pods() {
    }

    /** A pod the API server has just accepted may not have a status yet: it is pending. */
    /** A pod's creation time, or null when it has none or it cannot be read. */
    static Instant createdAt(Pod pod) {
        try {
            String created = pod.getMetadata().getCreationTimestamp();
            return created == null ? null : Instant.parse(created);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    }

    static Optional<PodCondition> condition(Pod pod, String type) {
        return pod.getStatus() == null || pod.getStatus().getConditions() == null ? Optional.empty()
                : pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    static ContainerStateTerminated workerTermination(Pod pod) {
        return workerStatus(pod).map(ContainerStatus::getState).map(ContainerState::getTerminated).orElse(null);
    }

    /** "Reason: message" of the worker container while it waits to start. */
    static Optional<String> workerWaiting(Pod pod) {
        return workerStatus(pod).map(ContainerStatus::getState).map(ContainerState::getWaiting)
                .map(w -> w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage()));
    }

    private static Optional<ContainerStatus> workerStatus(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? Optional.empty()
                : pod.getStatus().getContainerStatuses().stream()
                .filter(c -> Names.WORKER_CONTAINER.equals(c.getName())).findFirst();
    }
}
