package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Toleration;
import io.framepack.api.v1alpha1.Scheduling;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster's limits on what a resource's {@code spec.scheduling} may ask for
 * ({@link OperatorConfig.Placement}): in a shared cluster a render must not tolerate its way onto
 * another team's nodes, move off the nodes the cluster's node selector picks, preempt with a
 * higher priority or pick a runtime class. Checked before the worker Job is created; an admission
 * policy can refuse the same at {@code kubectl apply} (src/docs/security.md).
 */
final class PlacementPolicy {
    private static final String SETTING = "framepack.worker.placement.";

    private PlacementPolicy() {
    }

    static void check(Scheduling scheduling, OperatorConfig.Worker worker, List<String> problems) {
        OperatorConfig.Placement placement = worker.placement();
        if (!placement.restricted() || scheduling == null) {
            return;
        }
        allowed("spec.scheduling.priorityClassName", scheduling.priorityClassName, placement.priorityClasses(),
                "priority-classes", problems);
        allowed("spec.scheduling.runtimeClassName", scheduling.runtimeClassName, placement.runtimeClasses(),
                "runtime-classes", problems);
        Map<String, String> clusterLabels = worker.nodeSelector().labels();
        Map<String, String> labels = scheduling.nodeSelector == null ? Map.of() : scheduling.nodeSelector;
        labels.forEach((key, value) -> {
            String field = "spec.scheduling.nodeSelector." + key;
            if (clusterLabels.containsKey(key)) {
                if (!clusterLabels.get(key).equals(value)) {
                    problems.add(field + ": the cluster places every worker on nodes with " + key + "="
                            + clusterLabels.get(key) + "; a resource may not change that (got '" + value + "')");
                }
            } else {
                allowed(field, key, placement.nodeSelectorKeys(), "node-selector-keys", problems);
            }
        });
        List<Toleration> tolerations = scheduling.tolerations == null ? List.of() : scheduling.tolerations;
        for (int i = 0; i < tolerations.size(); i++) {
            String key = Objects.requireNonNullElse(tolerations.get(i).getKey(), "");
            String field = "spec.scheduling.tolerations[" + i + "].key";
            if (key.isEmpty()) {
                problems.add(field + ": a toleration without a key tolerates every taint, which this cluster does not allow");
            } else {
                allowed(field, key, placement.tolerationKeys(), "toleration-keys", problems);
            }
        }
    }

    private static void allowed(String field, String value, Optional<List<String>> allowed, String setting,
                                List<String> problems) {
        List<String> names = allowed.orElse(List.of());
        if (value != null && !names.contains(value)) {
            problems.add(field + ": '" + value + "' is not allowed in this cluster; "
                    + (names.isEmpty() ? "none is" : "allowed: " + String.join(", ", names))
                    + " (operator setting " + SETTING + setting + ")");
        }
    }
}
