package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Map;

/**
 * Where the worker pod may run; copied into the pod template when the worker Job is created, on top
 * of the operator's cluster-wide node selector (these labels win per key) and tolerations (added).
 */
public class Scheduling {
    public Map<String, String> nodeSelector;
    @Size(max = 64)
    public List<Toleration> tolerations;
    public Affinity affinity;
    public String priorityClassName;
    public String runtimeClassName;
}
