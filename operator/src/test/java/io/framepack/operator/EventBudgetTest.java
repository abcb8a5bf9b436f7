package io.framepack.operator;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class EventBudgetTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void aBurstThenOnePerRefillIntervalPerResource() {
        EventBudget budget = new EventBudget();
        assertThat(IntStream.range(0, EventBudget.BURST).allMatch(i -> budget.take("uid-a", T0))).isTrue();
        assertThat(budget.take("uid-a", T0)).isFalse();
        assertThat(budget.take("uid-b", T0)).as("another resource has its own budget").isTrue();
        Instant later = T0.plus(EventBudget.REFILL);
        assertThat(budget.take("uid-a", later)).isTrue();
        assertThat(budget.take("uid-a", later)).isFalse();
    }
}
