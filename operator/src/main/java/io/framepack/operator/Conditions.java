package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.util.List;
import java.util.Optional;

/** Condition types and {@code metav1.Condition} bookkeeping (transition times move only on a status change). */
public final class Conditions {
    /** kstatus: the render finished successfully. */
    public static final String READY = "Ready";
    /** kstatus: the operator or the worker is still working towards the goal. */
    public static final String RECONCILING = "Reconciling";
    /** kstatus: no progress without a person's help. */
    public static final String STALLED = "Stalled";
    public static final String SCHEDULED = "Scheduled";
    public static final String PROGRESSING = "Progressing";
    public static final String CHECKPOINTED = "Checkpointed";

    private Conditions() {
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    static void set(List<Condition> conditions, String type, boolean status, String reason, String message,
                    long generation, String now) {
        String statusText = status ? "True" : "False";
        Optional<Condition> existing = find(conditions, type);
        String transition = existing.filter(c -> statusText.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).orElse(now);
        Condition updated = new ConditionBuilder().withType(type).withStatus(statusText).withReason(reason)
                .withMessage(message == null ? "" : Bounded.text(message, Bounded.MESSAGE)).withObservedGeneration(generation)
                .withLastTransitionTime(transition).build();
        existing.ifPresentOrElse(c -> conditions.set(conditions.indexOf(c), updated), () -> conditions.add(updated));
    }
}
