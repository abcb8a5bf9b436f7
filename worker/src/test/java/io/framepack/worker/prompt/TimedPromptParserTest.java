package io.framepack.worker.prompt;

import org.junit.jupiter.api.Test;

import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimedPromptParserTest {

    @Test
    void readsStartsEndsAndTheTextOutsideAsAWholeVideoPromptAfterTheTimedOnes() {
        assertThat(TimedPromptParser.parse("[2s-4.5s:  b ] outside [0s:a]")).containsExactly(
                new TimedPrompt("a", 0, OptionalDouble.empty()),
                new TimedPrompt("outside", 0, OptionalDouble.empty()),
                new TimedPrompt("b", 2, OptionalDouble.of(4.5)));
    }

    @Test
    void aTextWithoutBracketsIsOnePrompt() {
        assertThat(TimedPromptParser.parse("  a cat, walking  ")).containsExactly(TimedPrompt.whole("a cat, walking"));
        assertThat(TimedPromptParser.parse("")).containsExactly(TimedPrompt.whole(""));
    }

    @Test
    void aPromptMaySpanLines() {
        assertThat(TimedPromptParser.parse("[1s: first line\nsecond line]"))
                .containsExactly(new TimedPrompt("first line\nsecond line", 1, OptionalDouble.empty()));
    }

    @Test
    void refusesMalformedBracketsSayingWhere() {
        assertThatThrownBy(() -> TimedPromptParser.parse("[0s: a] [2s: unclosed"))
                .isInstanceOf(TimedPromptException.class).hasMessageContaining("'[' at character 8 is never closed");
        assertThatThrownBy(() -> TimedPromptParser.parse("a] [0s: b]"))
                .isInstanceOf(TimedPromptException.class).hasMessageContaining("']' at character 1 closes no '['");
        assertThatThrownBy(() -> TimedPromptParser.parse("[0s: a [1s: b]"))
                .isInstanceOf(TimedPromptException.class).hasMessageContaining("'[' at character 7 opens inside");
    }

    @Test
    void refusesGroupsThatAreNotTimedPrompts() {
        for (String bad : new String[] {"[x: text]", "[.5s: text]", "[1: text]", "[1s text]", "[1s-: text]",
                "[-1s: text]", "[1s-2: text]", "[١s: text]"}) {
            assertThatThrownBy(() -> TimedPromptParser.parse(bad)).as(bad)
                    .isInstanceOf(TimedPromptException.class).hasMessageContaining("is not a timed prompt");
        }
    }

    @Test
    void refusesTimesNoDurationCanHold() {
        String huge = "9".repeat(400);
        assertThatThrownBy(() -> TimedPromptParser.parse("[" + huge + "s: x]"))
                .isInstanceOf(TimedPromptException.class).hasMessageContaining("is too large");
    }
}
