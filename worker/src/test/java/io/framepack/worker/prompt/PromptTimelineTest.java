package io.framepack.worker.prompt;

import io.framepack.worker.pipeline.SectionSchedule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromptTimelineTest {
    private static final List<TimedPrompt> TWO = TimedPromptParser.parse("[0s: start] [3s: end]");

    /** 5 s with K = 9: 4 sections of 1.2 s; one section's span is 33/30 = 1.1 s. */
    @Test
    void theInvertedScheduleRendersTheLastPromptFirst() {
        PromptTimeline timeline = PromptTimeline.of(TWO, 5, SectionSchedule.inverted(4, 9), 0);
        // [3s, 5s) snaps to [3.3, 5.5) and mirrors to [-0.5, 1.7); [0, 3.3) mirrors to [1.7, 5).
        assertThat(timeline.spans()).extracting(PromptSpan::text).containsExactly("end", "start");
        assertThat(timeline.prompts()).containsExactly("end", "start");
        assertThat(List.of(0, 1, 2, 3)).extracting(s -> timeline.section(s).prompt()).containsExactly(0, 0, 1, 1);
        assertThat(timeline.section(1).timePosition()).isEqualTo((9 * 4 - 3) / 30.0);
    }

    @Test
    void theF1ScheduleRendersInTimeOrder() {
        PromptTimeline timeline = PromptTimeline.of(TWO, 5, SectionSchedule.f1(4, 9), 0);
        assertThat(timeline.prompts()).containsExactly("start", "end");
        assertThat(List.of(0, 1, 2, 3)).extracting(s -> timeline.section(s).prompt()).containsExactly(0, 0, 0, 1);
    }

    @Test
    void blendingMixesTheTwoPromptsAroundAChange() {
        PromptTimeline timeline = PromptTimeline.of(TWO, 5, SectionSchedule.f1(4, 9), 4);
        assertThat(timeline.section(1).blend()).isEqualTo(new SectionPrompt.Blend(0, 1, 0.25));
        assertThat(timeline.section(1).weights(2)).containsExactly(0.75, 0.25);
        assertThat(timeline.section(2).blended()).isFalse();
    }

    @Test
    void refusesWhatNoRenderCanUse() {
        SectionSchedule schedule = SectionSchedule.f1(2, 9);
        assertThatThrownBy(() -> PromptTimeline.of(List.of(), 2, schedule, 0)).hasMessageContaining("at least one prompt");
        assertThatThrownBy(() -> PromptTimeline.of(TWO, 0, schedule, 0)).hasMessageContaining("positive number");
        assertThatThrownBy(() -> PromptTimeline.of(TWO, Double.NaN, schedule, 0)).hasMessageContaining("positive number");
        assertThatThrownBy(() -> PromptTimeline.of(TWO, 2, schedule, -1)).hasMessageContaining("blend sections");
        assertThatThrownBy(() -> new TimedPrompt("x", -1, OptionalDouble.empty())).hasMessageContaining("start");
        assertThatThrownBy(() -> new TimedPrompt("x", 0, OptionalDouble.of(Double.POSITIVE_INFINITY)))
                .hasMessageContaining("end");
        assertThatThrownBy(() -> new TimedPrompt(null, 0, OptionalDouble.empty())).hasMessageContaining("text");
    }
}
