package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.worker.pipeline.RgbVideos;
import io.framepack.worker.prompt.TimedPrompt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The end image in the real renderer on the demo model: decoded and cut to the start image's
 * bucket (whatever its own size), VAE-encoded, and the first section's 1× context at its strength.
 * At strength 0 that context is the empty frame it replaces, so the video is the plain render's;
 * at full strength the first section (the video's end) differs.
 */
class EndImageRenderTest {
    @TempDir
    Path dir;

    @Test
    void atStrengthZeroTheVideoIsThePlainOneAndAtFullStrengthItsEndDiffers() throws IOException {
        try (RenderSession plain = new FramePackRenderer().open(plan(inputs("a cat walks")), e -> { });
             RenderSession unseen = new FramePackRenderer().open(plan(TinyPlans.withEndImage(96, 64, 0)), e -> { });
             RenderSession ended = new FramePackRenderer().open(plan(TinyPlans.withEndImage(96, 64, 1)), e -> { })) {
            for (int section = 0; section < plain.sectionsTotal(); section++) {
                plain.runNextSection((s, step, steps) -> { });
                unseen.runNextSection((s, step, steps) -> { });
                assertThat(RgbVideos.all(unseen.pixels())).as("strength 0, section " + section)
                        .isEqualTo(RgbVideos.all(plain.pixels()));
            }
            ended.runNextSection((s, step, steps) -> { });
            byte[] endOfPlain = RgbVideos.last(plain.pixels());
            byte[] endOfEnded = RgbVideos.last(ended.pixels());
            assertThat(endOfEnded).hasSameSizeAs(endOfPlain).isNotEqualTo(endOfPlain);
        }
    }

    @Test
    void anEndImageThatIsNoImageIsRefusedAsTheEndImage() {
        RenderPlan.Inputs broken = new RenderPlan.Inputs(List.of(TimedPrompt.whole("a cat")), 0, "",
                DemoModel.image(), "not an image".getBytes(StandardCharsets.UTF_8), 1);
        assertThatThrownBy(() -> new FramePackRenderer().open(plan(broken), e -> { }).close())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("the end image");
    }

    @Test
    void forwardSamplingWithAnEndImageIsRefused() {
        RenderSettings f1 = settings();
        f1.variant = RenderSettings.Variant.f1;
        assertThatThrownBy(() -> new FramePackRenderer().open(TinyPlans.of("end", f1, TinyPlans.withEndImage(64, 64, 1),
                DemoModel.directory(dir), null), e -> { }).close())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("an end frame needs inverted sampling");
    }

    private static RenderPlan.Inputs inputs(String prompt) {
        return new RenderPlan.Inputs(prompt, "", DemoModel.image());
    }

    private RenderPlan plan(RenderPlan.Inputs inputs) {
        return TinyPlans.of("end", settings(), inputs, DemoModel.directory(dir), null);
    }

    private static RenderSettings settings() {
        RenderSettings settings = new RenderSettings();
        settings.seconds = 3.6;
        settings.steps = 2;
        settings.resolution = DemoModel.RESOLUTION;
        return settings;
    }
}
