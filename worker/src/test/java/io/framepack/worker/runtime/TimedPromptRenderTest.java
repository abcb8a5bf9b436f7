package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.worker.pipeline.RgbVideos;
import io.framepack.worker.prompt.PromptTimeline;
import io.framepack.worker.prompt.TimedPromptParser;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timed prompts in the real renderer on the demo model. The inverted schedule renders the end of
 * the video first, so a video whose second half is "the cat jumps" is, section for section in
 * generation order, the plain "the cat jumps" render until the first section of the earlier
 * prompt, and only then differs from it; F1 renders forward, so the same video is the plain
 * "a cat walks" render until the late prompt's first section.
 */
class TimedPromptRenderTest {
    private static final String EARLY = "a cat walks";
    private static final String LATE = "the cat jumps";

    @TempDir
    Path dir;

    /**
     * 3.6 s of K = 9: 3 sections; spans snap to 1.1 s: the late prompt holds [2.2, 3.3), for the
     * inverted schedule mirrored to [0.3, 1.4) of generation time.
     */
    @ParameterizedTest
    @CsvSource({"inverted, " + LATE + ", " + LATE + ", " + EARLY, "f1, " + EARLY + ", " + EARLY + ", " + LATE})
    void eachSectionIsConditionedOnThePromptOfItsTimeSpanInGenerationOrder(RenderSettings.Variant variant,
            String first, String second, String third) throws IOException {
        RenderPlan timed = plan(variant, new RenderPlan.Inputs(
                TimedPromptParser.parse("[0s: " + EARLY + "] [2s: " + LATE + "]"), 0, "", DemoModel.image()));
        PromptTimeline timeline = timed.promptTimeline();
        assertThat(List.of(0, 1, 2)).extracting(s -> timeline.prompts().get(timeline.section(s).prompt()))
                .containsExactly(first, second, third);
        try (RenderSession session = new FramePackRenderer().open(timed, e -> { });
             RenderSession plain = new FramePackRenderer().open(plan(variant,
                     new RenderPlan.Inputs(first, "", DemoModel.image())), e -> { })) {
            for (int section = 0; section < 2; section++) {
                session.runNextSection((s, step, steps) -> { });
                plain.runNextSection((s, step, steps) -> { });
                assertThat(RgbVideos.all(session.pixels())).as("after section " + section)
                        .isEqualTo(RgbVideos.all(plain.pixels()));
            }
            session.runNextSection((s, step, steps) -> { });
            plain.runNextSection((s, step, steps) -> { });
            assertThat(RgbVideos.all(session.pixels())).as("the first section of the other prompt")
                    .isNotEqualTo(RgbVideos.all(plain.pixels()));
        }
    }

    private RenderPlan plan(RenderSettings.Variant variant, RenderPlan.Inputs inputs) {
        RenderSettings settings = new RenderSettings();
        settings.variant = variant;
        settings.seconds = 3.6;
        settings.steps = 2;
        settings.resolution = DemoModel.RESOLUTION;
        return TinyPlans.of("timed", settings, inputs, DemoModel.directory(dir), null);
    }
}
