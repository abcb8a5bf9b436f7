package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Optional;

/**
 * The admission plugins a pod create passes, as far as the simulation has them: the Priority
 * plugin (an unknown {@code priorityClassName} is refused) and the RuntimeClass plugin (an unknown
 * {@code runtimeClassName} is refused). Returns the API server's refusal, if any.
 */
@FunctionalInterface
public interface PodAdmission {
    Optional<String> refusal(Pod pod);

    static PodAdmission priorityAndRuntimeClasses(KubernetesClient client) {
        return pod -> {
            String priorityClass = pod.getSpec().getPriorityClassName();
            if (priorityClass != null && client.scheduling().v1().priorityClasses().withName(priorityClass).get() == null) {
                return Optional.of("pods \"" + pod.getMetadata().getName() + "\" is forbidden: no PriorityClass with name "
                        + priorityClass + " was found");
            }
            String runtimeClass = pod.getSpec().getRuntimeClassName();
            if (runtimeClass != null && client.resources(RuntimeClass.class).withName(runtimeClass).get() == null) {
                return Optional.of("pods \"" + pod.getMetadata().getName() + "\" is forbidden: pod rejected: RuntimeClass \""
                        + runtimeClass + "\" not found");
            }
            return Optional.empty();
        };
    }
}
