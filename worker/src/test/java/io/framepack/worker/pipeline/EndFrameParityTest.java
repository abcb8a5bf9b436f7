package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.sampling.SeededNoise;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.TensorDecoder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The end frame against diffusers' {@code HunyuanVideoFramepackPipeline} run with {@code last_image}
 * (goldens/creative/end_frame_case: 3 sections of K = 3, every section's transformer inputs
 * recorded). The packed context and the token positions of all three sections must be equal,
 * value for value: both are copies and one product, no arithmetic that could round differently.
 * The sampled latents are not compared: diffusers samples with Euler, the worker with the official
 * UniPC, so each section's context is rebuilt from the history the reference produced. The strength
 * is checked against FramePack-Studio's equation at 0.5 ({@code studio_*}), and where the two
 * references part: FramePack-Studio keeps the scaled end latent in the history, diffusers does not.
 */
class EndFrameParityTest extends TinyGoldenJobTest {
    private static final Path CASE = Path.of("src/test/resources/goldens/creative/end_frame_case.safetensors");
    private static final int SECTIONS = 3;
    private static final int WINDOW = 3;
    private static final double STUDIO_STRENGTH = 0.5;

    @Test
    void everySectionsContextAndIndicesEqualDiffusers() {
        try (NDManager m = manager.newSubManager()) {
            InvertedSchedule schedule = (InvertedSchedule) SectionSchedule.inverted(SECTIONS, WINDOW);
            NDArray start = golden("start_latent", m);
            EndFrame end = new EndFrame(golden("end_latent", m), 1.0);
            NDArray history = schedule.initialHistory(start);
            int generated = 0;
            for (int s = 0; s < SECTIONS; s++) {
                String what = "section " + s;
                SectionIndices indices = schedule.indices(s);
                assertThat(indices.latent()).as(what).containsExactly(longs("s" + s + "_indices_latents", m));
                assertThat(indices.clean()).as(what).containsExactly(longs("s" + s + "_indices_latents_clean", m));
                assertThat(indices.clean2x()).as(what).containsExactly(longs("s" + s + "_indices_latents_history_2x", m));
                assertThat(indices.clean4x()).as(what).containsExactly(longs("s" + s + "_indices_latents_history_4x", m));

                SectionSchedule.ContextLatents context = end.applyTo(schedule.context(history, start), s);
                assertThat(context.clean().contentEquals(golden("s" + s + "_latents_clean", m))).as(what + " 1x").isTrue();
                assertThat(context.clean2x().contentEquals(golden("s" + s + "_latents_history_2x", m))).as(what + " 2x").isTrue();
                assertThat(context.clean4x().contentEquals(golden("s" + s + "_latents_history_4x", m))).as(what + " 4x").isTrue();

                // The reference's own sampled frames: the front of its history after this section (after
                // the start latent, which the last section also prepends).
                NDArray referenceHistory = golden("s" + s + "_history_latents", m);
                int from = schedule.latentPadding(s) == 0 ? 1 : 0;
                NDArray sampled = SectionSchedule.frames(referenceHistory, from, from + WINDOW);
                SectionSchedule.Extension extension = schedule.extend(history, sampled, start, s);
                history = extension.history();
                generated += extension.addedFrames();
                assertThat(schedule.generated(history, generated).contentEquals(referenceHistory)).as(what + " history").isTrue();
            }
        }
    }

    @Test
    void strengthScalesTheEndLatentAsFramePackStudio() {
        try (NDManager m = manager.newSubManager()) {
            SectionSchedule schedule = SectionSchedule.inverted(SECTIONS, WINDOW);
            NDArray start = golden("start_latent", m);
            NDArray endLatent = golden("end_latent", m);
            EndFrame end = new EndFrame(endLatent, STUDIO_STRENGTH);
            NDArray history = schedule.initialHistory(start);
            SectionSchedule.ContextLatents first = end.applyTo(schedule.context(history, start), 0);
            assertThat(first.clean().contentEquals(golden("studio_s0_latents_clean", m))).isTrue();

            // Section 1: FramePack-Studio's 4x context starts with the scaled end latent it left in the
            // history; here (as in diffusers) that frame is the history's empty padding, the other 15 agree.
            history = schedule.extend(history, golden("s0_history_latents", m), start, 0).history();
            NDArray ours = end.applyTo(schedule.context(history, start), 1).clean4x();
            NDArray studio = golden("studio_s1_latents_history_4x", m);
            assertThat(SectionSchedule.frames(studio, 0, 1).contentEquals(endLatent.mul((float) STUDIO_STRENGTH))).isTrue();
            assertThat(SectionSchedule.frames(ours, 0, 1).contentEquals(endLatent.zerosLike())).isTrue();
            assertThat(SectionSchedule.frames(ours, 1, 16).contentEquals(SectionSchedule.frames(studio, 1, 16))).isTrue();
        }
    }

    /** The loop puts the end frame where {@link EndFrame#applyTo} says: at strength 0 it is the empty frame it replaces. */
    @Test
    void theLoopConditionsTheFirstSectionOnTheEndFrame() {
        JsonNode info = goldens.caseInfo("job_inverted");
        try (NDManager m = manager.newSubManager()) {
            NDArray start = goldens.tensor("job_inverted", "start_latent", m);
            NDArray endLatent = golden("end_latent", m);
            NDArray plain = historyAfterFirstSection(info, null, start, m);
            assertThat(historyAfterFirstSection(info, new EndFrame(endLatent, 0), start, m).contentEquals(plain)).isTrue();
            NDArray ended = historyAfterFirstSection(info, new EndFrame(endLatent, 1), start, m);
            assertThat(ended.getShape()).isEqualTo(plain.getShape());
            assertThat(ended.sub(plain).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void forwardSamplingHasNoEndFrame() {
        JsonNode info = goldens.caseInfo("job_f1");
        try (NDManager m = manager.newSubManager()) {
            SectionLoop.Job f1 = JobCases.job(goldens, info, new SeededNoise(1), m);
            EndFrame end = new EndFrame(golden("end_latent", m), 1);
            assertThatThrownBy(() -> new SectionLoop(new SectionLoop.Job(f1.schedule(), f1.sampling(), f1.conditioning(),
                    f1.noise(), end), models(), m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("an end frame needs inverted sampling");
        }
    }

    @Test
    void anEndLatentOfAnotherSizeIsRefused() {
        try (NDManager m = manager.newSubManager()) {
            SectionSchedule schedule = SectionSchedule.inverted(SECTIONS, WINDOW);
            NDArray start = golden("start_latent", m);
            EndFrame small = new EndFrame(m.zeros(new Shape(1, 16, 1, 4, 8)), 1);
            assertThatThrownBy(() -> small.applyTo(schedule.context(schedule.initialHistory(start), start), 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in size");
            assertThatThrownBy(() -> new EndFrame(start, 1.5)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new EndFrame(start, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static NDArray historyAfterFirstSection(JsonNode info, EndFrame end, NDArray start, NDManager m) {
        SectionLoop.Job golden = JobCases.job(goldens, info, new SeededNoise(info.path("seed").asLong()), m);
        SectionLoop loop = new SectionLoop(new SectionLoop.Job(golden.schedule(), golden.sampling(), golden.conditioning(),
                golden.noise(), end), models(), m);
        try (SectionLoopState state = loop.start(start)) {
            loop.runSection(state, GenerationListener.NONE);
            NDArray history = state.historyLatents().duplicate();
            history.attach(m);
            return history;
        }
    }

    private static SectionLoop.Models models() {
        return new SectionLoop.Models(new TransformerVelocity(transformer, 0), new Numerics(Precision.FLOAT32, kernels), null);
    }

    private static NDArray golden(String name, NDManager m) {
        try (SafetensorsFile file = SafetensorsFile.open(CASE)) {
            return TensorDecoder.decode(file, file.entry(name), m);
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }

    private static long[] longs(String name, NDManager m) {
        return golden(name, m).toLongArray();
    }
}
