package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodAffinity;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.v1alpha1.Scheduling;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks of {@code spec.scheduling} the CRD makes ({@code SchedulingSchema}), made again by the
 * operator: the values go into the worker's pod template, and one the Pod API refuses would fail
 * the Job's creation over and over.
 */
final class SchedulingValidator {
    private static final Set<String> NODE_OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");
    private static final Set<String> LABEL_OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");

    private SchedulingValidator() {
    }

    static void check(Scheduling scheduling, List<String> problems) {
        if (scheduling == null) {
            return;
        }
        labels("spec.scheduling.nodeSelector", scheduling.nodeSelector, problems);
        List<Toleration> tolerations = scheduling.tolerations == null ? List.of() : scheduling.tolerations;
        for (int i = 0; i < tolerations.size(); i++) {
            toleration("spec.scheduling.tolerations[" + i + "]", tolerations.get(i), problems);
        }
        if (scheduling.affinity != null) {
            affinity(scheduling.affinity, problems);
        }
        objectName("spec.scheduling.priorityClassName", scheduling.priorityClassName, problems);
        objectName("spec.scheduling.runtimeClassName", scheduling.runtimeClassName, problems);
    }

    private static void toleration(String field, Toleration toleration, List<String> problems) {
        String key = toleration.getKey() == null ? "" : toleration.getKey();
        String operator = toleration.getOperator() == null ? "Equal" : toleration.getOperator();
        String value = toleration.getValue() == null ? "" : toleration.getValue();
        if (!key.isEmpty() && !Formats.isLabelKey(key)) {
            problems.add(field + ".key: must be a label key, got '" + key + "'");
        }
        if (!operator.equals("Exists") && !operator.equals("Equal")) {
            problems.add(field + ".operator: must be Exists or Equal, got '" + operator + "'");
        }
        if (toleration.getEffect() != null && !Set.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(toleration.getEffect())) {
            problems.add(field + ".effect: must be NoSchedule, PreferNoSchedule or NoExecute, got '" + toleration.getEffect() + "'");
        }
        if (!Formats.isLabelValue(value)) {
            problems.add(field + ".value: must be a label value, got '" + value + "'");
        }
        if (key.isEmpty() && !operator.equals("Exists")) {
            problems.add(field + ": a toleration without a key must have operator Exists");
        }
        if (operator.equals("Exists") && !value.isEmpty()) {
            problems.add(field + ": a toleration with operator Exists must have no value");
        }
        if (toleration.getTolerationSeconds() != null) {
            SpecValidator.range(field + ".tolerationSeconds", toleration.getTolerationSeconds(), 0, Formats.INT_MAX, problems);
            if (!"NoExecute".equals(toleration.getEffect())) {
                problems.add(field + ".tolerationSeconds: only applies with effect NoExecute");
            }
        }
    }

    private static void affinity(Affinity affinity, List<String> problems) {
        String field = "spec.scheduling.affinity";
        if (affinity.getNodeAffinity() != null) {
            var node = affinity.getNodeAffinity();
            if (node.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
                List<NodeSelectorTerm> terms = node.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
                if (terms == null || terms.isEmpty()) {
                    problems.add(field + ".nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: at least one term");
                }
                forEach(terms, (i, term) -> nodeTerm(field + ".nodeAffinity.required…nodeSelectorTerms[" + i + "]", term, problems));
            }
            forEach(node.getPreferredDuringSchedulingIgnoredDuringExecution(), (i, preferred) -> {
                String at = field + ".nodeAffinity.preferred…[" + i + "]";
                weight(at, preferred.getWeight(), problems);
                if (preferred.getPreference() == null) {
                    problems.add(at + ".preference: required");
                } else {
                    nodeTerm(at + ".preference", preferred.getPreference(), problems);
                }
            });
        }
        PodAffinity pod = affinity.getPodAffinity();
        if (pod != null) {
            podTerms(field + ".podAffinity", pod.getRequiredDuringSchedulingIgnoredDuringExecution(),
                    pod.getPreferredDuringSchedulingIgnoredDuringExecution(), problems);
        }
        PodAntiAffinity anti = affinity.getPodAntiAffinity();
        if (anti != null) {
            podTerms(field + ".podAntiAffinity", anti.getRequiredDuringSchedulingIgnoredDuringExecution(),
                    anti.getPreferredDuringSchedulingIgnoredDuringExecution(), problems);
        }
    }

    private static void nodeTerm(String field, NodeSelectorTerm term, List<String> problems) {
        forEach(term.getMatchExpressions(), (i, requirement) -> nodeRequirement(field + ".matchExpressions[" + i + "]", requirement, problems));
        forEach(term.getMatchFields(), (i, requirement) -> {
            String at = field + ".matchFields[" + i + "]";
            if (!"metadata.name".equals(requirement.getKey())) {
                problems.add(at + ".key: only metadata.name is supported, got '" + requirement.getKey() + "'");
            }
            if (!Set.of("In", "NotIn").contains(String.valueOf(requirement.getOperator()))) {
                problems.add(at + ".operator: must be In or NotIn, got '" + requirement.getOperator() + "'");
            }
            if (requirement.getValues() == null || requirement.getValues().size() != 1) {
                problems.add(at + ".values: exactly one node name");
            }
        });
    }

    private static void nodeRequirement(String field, NodeSelectorRequirement requirement, List<String> problems) {
        requirement(field, requirement.getKey(), requirement.getOperator(), requirement.getValues(), NODE_OPERATORS, problems);
        if (Set.of("Gt", "Lt").contains(requirement.getOperator()) && (requirement.getValues() == null || requirement.getValues().size() != 1
                || !Formats.matches(Formats.INTEGER, requirement.getValues().get(0)))) {
            problems.add(field + ": operator Gt and Lt take exactly one value, an integer");
        }
    }

    private static void podTerms(String field, List<PodAffinityTerm> required, List<WeightedPodAffinityTerm> preferred,
                                 List<String> problems) {
        forEach(required, (i, term) -> podTerm(field + ".required…[" + i + "]", term, problems));
        forEach(preferred, (i, weighted) -> {
            String at = field + ".preferred…[" + i + "]";
            weight(at, weighted.getWeight(), problems);
            if (weighted.getPodAffinityTerm() == null) {
                problems.add(at + ".podAffinityTerm: required");
            } else {
                podTerm(at + ".podAffinityTerm", weighted.getPodAffinityTerm(), problems);
            }
        });
    }

    private static void podTerm(String field, PodAffinityTerm term, List<String> problems) {
        if (!Formats.isLabelKey(term.getTopologyKey())) {
            problems.add(field + ".topologyKey: must be a label key, got '" + term.getTopologyKey() + "'");
        }
        selector(field + ".labelSelector", term.getLabelSelector(), problems);
        selector(field + ".namespaceSelector", term.getNamespaceSelector(), problems);
        forEach(term.getNamespaces(), (i, namespace) -> {
            if (!Formats.matches(Formats.DNS_LABEL, namespace) || namespace.length() > Formats.DNS_LABEL_MAX) {
                problems.add(field + ".namespaces[" + i + "]: must be a namespace name, got '" + namespace + "'");
            }
        });
        if (term.getMatchLabelKeys() != null && !term.getMatchLabelKeys().isEmpty()
                || term.getMismatchLabelKeys() != null && !term.getMismatchLabelKeys().isEmpty()) {
            problems.add(field + ": matchLabelKeys and mismatchLabelKeys are not supported");
        }
    }

    private static void selector(String field, LabelSelector selector, List<String> problems) {
        if (selector == null) {
            return;
        }
        labels(field + ".matchLabels", selector.getMatchLabels(), problems);
        forEach(selector.getMatchExpressions(), (i, requirement) -> requirement(field + ".matchExpressions[" + i + "]",
                requirement.getKey(), requirement.getOperator(), requirement.getValues(), LABEL_OPERATORS, problems));
    }

    /** A label selector requirement; node requirements add Gt and Lt. */
    private static void requirement(String field, String key, String operator, List<String> values, Set<String> operators,
                                    List<String> problems) {
        if (!Formats.isLabelKey(key)) {
            problems.add(field + ".key: must be a label key, got '" + key + "'");
        }
        if (!operators.contains(String.valueOf(operator))) {
            problems.add(field + ".operator: must be one of " + new TreeSet<>(operators) + ", got '" + operator + "'");
        }
        boolean hasValues = values != null && !values.isEmpty();
        if (Set.of("In", "NotIn").contains(operator) && (!hasValues || !values.stream().allMatch(Formats::isLabelValue))) {
            problems.add(field + ": operator In and NotIn need one or more values, each a label value");
        }
        if (Set.of("Exists", "DoesNotExist").contains(operator) && hasValues) {
            problems.add(field + ": operator Exists and DoesNotExist take no values");
        }
    }

    private static void labels(String field, Map<String, String> labels, List<String> problems) {
        if (labels == null) {
            return;
        }
        labels.forEach((key, value) -> {
            if (!Formats.isLabelKey(key)) {
                problems.add(field + ": key must be a label key, got '" + key + "'");
            }
            if (!Formats.isLabelValue(value)) {
                problems.add(field + "." + key + ": must be a label value, got '" + value + "'");
            }
        });
    }

    private static void weight(String field, Integer weight, List<String> problems) {
        if (weight == null) {
            problems.add(field + ".weight: required");
        } else {
            SpecValidator.range(field + ".weight", weight, 1, 100, problems);
        }
    }

    private static void objectName(String field, String name, List<String> problems) {
        if (name != null && !SpecValidator.isObjectName(name)) {
            problems.add(field + ": must be an object name (a DNS subdomain), got '" + name + "'");
        }
    }

    private interface Indexed<T> {
        void accept(int index, T item);
    }

    private static <T> void forEach(List<T> items, Indexed<T> action) {
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                action.accept(i, items.get(i));
            }
        }
    }
}
