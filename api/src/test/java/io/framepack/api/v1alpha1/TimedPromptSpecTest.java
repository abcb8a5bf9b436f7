package io.framepack.api.v1alpha1;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimedPromptSpecTest {
    private static final String FIELD = "spec.input.prompts";

    private static List<TimedPromptSpec> prompts(String... startsAndTexts) {
        List<TimedPromptSpec> prompts = new ArrayList<>();
        for (int i = 0; i < startsAndTexts.length; i += 2) {
            prompts.add(new TimedPromptSpec(startsAndTexts[i], startsAndTexts[i + 1]));
        }
        return prompts;
    }

    @Test
    void aListFromZeroWithIncreasingStartsBeforeTheEndIsFine() {
        assertThat(TimedPromptSpec.problems(prompts("0s", "a cat sits", "2.5s", "it jumps", "4.999s", "it lands"), 5, FIELD))
                .isEmpty();
        assertThat(new TimedPromptSpec("2.25s", "x").startSeconds()).isEqualTo(2.25);
    }

    @Test
    void namesEachEntryThatIsWrong() {
        assertThat(TimedPromptSpec.problems(prompts("1s", "late", "1s", "same", "0.5s", "earlier", "5s", "at the end",
                "2", "no unit", "3s", " "), 5, FIELD)).containsExactly(
                FIELD + "[0].start: the first prompt must start at 0s, got 1s",
                FIELD + "[1].start: starts must increase strictly, but 1s does not come after 1s",
                FIELD + "[2].start: starts must increase strictly, but 0.5s does not come after 1s",
                FIELD + "[3].start: 5s is not before the video's end (5.0 s)",
                FIELD + "[4].start: must be seconds with the unit, like 0s or 2.5s (at most 3 decimals), got '2'",
                FIELD + "[5].text: required, and more than white space",
                FIELD + "[5].start: starts must increase strictly, but 3s does not come after 5s");
    }

    @Test
    void boundsTheCountTheTextAndWhatAMessageShows() {
        assertThat(TimedPromptSpec.problems(List.of(), 5, FIELD)).containsExactly(FIELD + ": give 1 to 16 prompts (got 0)");
        assertThat(TimedPromptSpec.problems(Collections.nCopies(17, new TimedPromptSpec("0s", "x")), 5, FIELD))
                .containsExactly(FIELD + ": give 1 to 16 prompts (got 17)");
        assertThat(TimedPromptSpec.problems(prompts("0s", "\uD83D\uDC83".repeat(Formats.TIMED_PROMPT_TEXT_MAX + 1)), 5, FIELD))
                .containsExactly(FIELD + "[0].text: at most 512 characters");
        assertThat(TimedPromptSpec.problems(prompts("0s", "\uD83D\uDC83".repeat(Formats.TIMED_PROMPT_TEXT_MAX)), 5, FIELD))
                .as("characters are code points, as the API server counts").isEmpty();
        assertThat(TimedPromptSpec.problems(prompts("9".repeat(1000) + "s", "x"), 5, FIELD).get(0))
                .endsWith("got '9999999999999999...'");
        assertThatThrownBy(() -> new TimedPromptSpec("1e3s", "x").startSeconds()).hasMessageContaining("like 0s or 2.5s");
    }
}
