package io.framepack.api.v1alpha1;

import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.List;
import java.util.Map;

/**
 * The CRD schema of {@link Scheduling}'s tolerations and affinity (the Java model stays the
 * Kubernetes one): the subset of the Pod API a worker needs, with the checks the Pod API makes, so
 * that a value it would refuse is refused when the VideoGeneration is applied instead of when the
 * operator creates the Job. Every list, map and string is bounded, which also keeps the CEL cost
 * estimate of the API server low. Types only; never instantiated.
 */
public final class SchedulingSchema {
    static final int MAX_LABELS = 32;
    static final int MAX_TERMS = 16;
    static final int MAX_VALUES = 32;
    /** Label keys and values of a map (node selector, matchLabels); a customizer bounds the value length. */
    static final String LABEL_MAP_RULE = "self.all(k, k.matches(r'" + Formats.LABEL_KEY + "') && k.matches(r'"
            + Formats.LABEL_KEY_PREFIX_LENGTH + "') && self[k].matches(r'" + Formats.LABEL_VALUE + "'))";
    static final String LABEL_MAP_ALLOWED = "every key must be " + Formats.LABEL_KEY_ALLOWED + "; every value must be "
            + Formats.LABEL_VALUE_ALLOWED;
    /** Requirement values are label values (or, for Gt and Lt, integers); node names only in matchFields. */
    static final String LABEL_VALUES = "values=" + Formats.LABEL_VALUE_MAX;
    static final String NODE_NAME_VALUES = "values=" + Formats.DNS_SUBDOMAIN_MAX;
    static final String SET_NEEDS_VALUES = "!(self.operator in ['In', 'NotIn'])"
            + " || has(self.values) && size(self.values) > 0 && self.values.all(v, v.matches(r'" + Formats.LABEL_VALUE + "'))";
    static final String SET_NEEDS_VALUES_MESSAGE = "operator In and NotIn need 1 to 32 values, each " + Formats.LABEL_VALUE_ALLOWED;
    static final String EXISTS_TAKES_NO_VALUES = "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || size(self.values) == 0";
    static final String EXISTS_TAKES_NO_VALUES_MESSAGE = "operator Exists and DoesNotExist take no values";

    private SchedulingSchema() {
    }

    @ValidationRule(value = "has(self.key) && self.key != '' || has(self.operator) && self.operator == 'Exists'",
            message = "a toleration without a key must have operator Exists (it then tolerates every taint)")
    @ValidationRule(value = "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
            message = "a toleration with operator Exists must have no value")
    @ValidationRule(value = "!has(self.tolerationSeconds) || has(self.effect) && self.effect == 'NoExecute'",
            message = "tolerationSeconds only applies with effect NoExecute")
    public static class Toleration {
        @Size(max = Formats.LABEL_KEY_MAX)
        @ValidationRule(value = "self == '' || " + Formats.IS_LABEL_KEY,
                messageExpression = Formats.SHOW_START + "key must be " + Formats.LABEL_KEY_ALLOWED + Formats.SHOW_END)
        public String key;
        /** Equal when unset. */
        public TolerationOperator operator;
        @Size(max = Formats.LABEL_VALUE_MAX)
        @ValidationRule(value = Formats.IS_LABEL_VALUE,
                messageExpression = Formats.SHOW_START + "value must be " + Formats.LABEL_VALUE_ALLOWED + Formats.SHOW_END)
        public String value;
        /** Every effect when unset. */
        public TaintEffect effect;
        @Min(0)
        @Max(Formats.INT_MAX)
        public Long tolerationSeconds;
    }

    public enum TolerationOperator { Exists, Equal }

    public enum TaintEffect { NoSchedule, PreferNoSchedule, NoExecute }

    public static class Affinity {
        public NodeAffinity nodeAffinity;
        public PodAffinity podAffinity;
        public PodAffinity podAntiAffinity;
    }

    public static class NodeAffinity {
        public NodeSelector requiredDuringSchedulingIgnoredDuringExecution;
        @Size(max = MAX_TERMS)
        public List<PreferredSchedulingTerm> preferredDuringSchedulingIgnoredDuringExecution;
    }

    public static class NodeSelector {
        @Required
        @Size(min = 1, max = MAX_TERMS)
        public List<NodeSelectorTerm> nodeSelectorTerms;
    }

    public static class NodeSelectorTerm {
        @Size(max = MAX_TERMS)
        public List<NodeSelectorRequirement> matchExpressions;
        @Size(max = MAX_TERMS)
        public List<NodeFieldRequirement> matchFields;
    }

    @ValidationRule(value = SET_NEEDS_VALUES, message = SET_NEEDS_VALUES_MESSAGE)
    @ValidationRule(value = EXISTS_TAKES_NO_VALUES, message = EXISTS_TAKES_NO_VALUES_MESSAGE)
    @ValidationRule(value = "!(self.operator in ['Gt', 'Lt'])"
            + " || has(self.values) && size(self.values) == 1 && self.values[0].matches(r'" + Formats.INTEGER + "')",
            message = "operator Gt and Lt take exactly one value, an integer")
    @SchemaCustomizer(value = BoundedStrings.class, input = LABEL_VALUES)
    public static class NodeSelectorRequirement {
        @Required
        @Size(max = Formats.LABEL_KEY_MAX)
        @ValidationRule(value = Formats.IS_LABEL_KEY,
                messageExpression = Formats.SHOW_START + "key must be " + Formats.LABEL_KEY_ALLOWED + Formats.SHOW_END)
        public String key;
        @Required
        public NodeOperator operator;
        @Size(max = MAX_VALUES)
        public List<String> values;
    }

    public enum NodeOperator { In, NotIn, Exists, DoesNotExist, Gt, Lt }

    /** Node fields: the Pod API supports only metadata.name, with one value (a node name). */
    @SchemaCustomizer(value = BoundedStrings.class, input = NODE_NAME_VALUES)
    public static class NodeFieldRequirement {
        @Required
        @Size(max = Formats.LABEL_KEY_MAX)
        @ValidationRule(value = "self == 'metadata.name'", messageExpression = Formats.SHOW_START
                + "matchFields supports only the key metadata.name" + Formats.SHOW_END)
        public String key;
        @Required
        public SetOperator operator;
        @Required
        @Size(min = 1, max = 1)
        public List<String> values;
    }

    public enum SetOperator { In, NotIn }

    public static class PreferredSchedulingTerm {
        @Required
        @Min(1)
        @Max(100)
        public Integer weight;
        @Required
        public NodeSelectorTerm preference;
    }

    public static class PodAffinity {
        @Size(max = MAX_TERMS)
        public List<PodAffinityTerm> requiredDuringSchedulingIgnoredDuringExecution;
        @Size(max = MAX_TERMS)
        public List<WeightedPodAffinityTerm> preferredDuringSchedulingIgnoredDuringExecution;
    }

    public static class WeightedPodAffinityTerm {
        @Required
        @Min(1)
        @Max(100)
        public Integer weight;
        @Required
        public PodAffinityTerm podAffinityTerm;
    }

    @SchemaCustomizer(value = BoundedStrings.class, input = "namespaces=" + Formats.DNS_LABEL_MAX)
    @ValidationRule(value = "!has(self.namespaces) || self.namespaces.all(n, n.matches(r'" + Formats.DNS_LABEL + "'))",
            message = "namespaces must be namespace names: at most 63 lower-case letters, digits and '-', starting and ending"
                    + " with a letter or digit")
    public static class PodAffinityTerm {
        public LabelSelector labelSelector;
        public LabelSelector namespaceSelector;
        @Size(max = MAX_TERMS)
        public List<String> namespaces;
        @Required
        @Size(max = Formats.LABEL_KEY_MAX)
        @ValidationRule(value = Formats.IS_LABEL_KEY,
                messageExpression = Formats.SHOW_START + "topologyKey must be " + Formats.LABEL_KEY_ALLOWED + Formats.SHOW_END)
        public String topologyKey;
    }

    @SchemaCustomizer(value = BoundedStrings.class, input = "matchLabels=" + Formats.LABEL_VALUE_MAX)
    public static class LabelSelector {
        @Size(max = MAX_LABELS)
        @ValidationRule(value = LABEL_MAP_RULE, message = "matchLabels: " + LABEL_MAP_ALLOWED)
        public Map<String, String> matchLabels;
        @Size(max = MAX_TERMS)
        public List<LabelSelectorRequirement> matchExpressions;
    }

    @ValidationRule(value = SET_NEEDS_VALUES, message = SET_NEEDS_VALUES_MESSAGE)
    @ValidationRule(value = EXISTS_TAKES_NO_VALUES, message = EXISTS_TAKES_NO_VALUES_MESSAGE)
    @SchemaCustomizer(value = BoundedStrings.class, input = LABEL_VALUES)
    public static class LabelSelectorRequirement {
        @Required
        @Size(max = Formats.LABEL_KEY_MAX)
        @ValidationRule(value = Formats.IS_LABEL_KEY,
                messageExpression = Formats.SHOW_START + "key must be " + Formats.LABEL_KEY_ALLOWED + Formats.SHOW_END)
        public String key;
        @Required
        public LabelOperator operator;
        @Size(max = MAX_VALUES)
        public List<String> values;
    }

    public enum LabelOperator { In, NotIn, Exists, DoesNotExist }
}
