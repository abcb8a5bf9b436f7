package io.framepack.api.v1alpha1;

import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Map;

/**
 * Where the worker pod may run; copied into the pod template when the worker Job is created, on top
 * of the operator's cluster-wide node selector (these labels win per key) and tolerations (added).
 * The CRD checks the values as the Pod API does ({@link SchedulingSchema}).
 */
@SchemaCustomizer(value = BoundedStrings.class, input = "nodeSelector=" + Formats.LABEL_VALUE_MAX)
public class Scheduling {
    @Size(max = SchedulingSchema.MAX_LABELS)
    @ValidationRule(value = SchedulingSchema.LABEL_MAP_RULE, message = "nodeSelector: " + SchedulingSchema.LABEL_MAP_ALLOWED)
    public Map<String, String> nodeSelector;
    @Size(max = 64)
    @SchemaFrom(type = SchedulingSchema.Toleration[].class)
    public List<Toleration> tolerations;
    @SchemaFrom(type = SchedulingSchema.Affinity.class)
    public Affinity affinity;
    @Size(max = Formats.DNS_SUBDOMAIN_MAX)
    @ValidationRule(value = Formats.IS_DNS_SUBDOMAIN, messageExpression = Formats.SHOW_START
            + "priorityClassName" + Formats.DNS_SUBDOMAIN_ALLOWED + Formats.SHOW_END)
    public String priorityClassName;
    @Size(max = Formats.DNS_SUBDOMAIN_MAX)
    @ValidationRule(value = Formats.IS_DNS_SUBDOMAIN, messageExpression = Formats.SHOW_START
            + "runtimeClassName" + Formats.DNS_SUBDOMAIN_ALLOWED + Formats.SHOW_END)
    public String runtimeClassName;
}
