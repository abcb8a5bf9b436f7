package io.framepack.worker.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Initial histories of both schedules, and saved states that do not fit together are refused with a clear message. */
class SectionLoopStateTest {
    private static final Shape START = new Shape(1, 16, 1, 4, 6);

    @Test
    void initialHistoriesPadWithNineteenZeroFrames() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray start = m.ones(START);
            try (SectionLoopState inverted = SectionLoopState.initial(SectionSchedule.inverted(3, 9), start, m);
                 SectionLoopState f1 = SectionLoopState.initial(SectionSchedule.f1(3, 9), start, m)) {
                assertThat(inverted.historyLatents().getShape()).isEqualTo(new Shape(1, 16, 19, 4, 6));
                assertThat(inverted.historyLatents().sum().getFloat()).isZero();
                assertThat(inverted.generatedLatentFrames()).isZero();
                assertThat(f1.historyLatents().getShape()).isEqualTo(new Shape(1, 16, 20, 4, 6));
                assertThat(f1.generatedLatents(SectionSchedule.f1(3, 9)).contentEquals(start)).isTrue();
                assertThat(f1.generatedLatentFrames()).isOne();
                assertThat(f1.noiseDraws()).isZero();
                assertThat(f1.tensors()).containsOnlyKeys(SectionLoopState.START_LATENT, SectionLoopState.HISTORY_LATENTS);
            }
        }
    }

    /**
     * A section count edited (as a hand-edited manifest would be) must still match the latents:
     * one section of 9 frames is 9 generated frames inverted, 10 in F1 (its start latent counts), and two make 18 or 19.
     */
    @Test
    void restoreRefusesASectionCountThatClaimsMoreSectionsThanTheLatentsHold() {
        Map<SectionSchedule, Integer> framesAfterOne = Map.of(SectionSchedule.inverted(3, 9), 9, SectionSchedule.f1(3, 9), 10);
        framesAfterOne.forEach((schedule, frames) -> {
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                Map<String, NDArray> tensors = Map.of(SectionLoopState.START_LATENT, m.zeros(START),
                        SectionLoopState.HISTORY_LATENTS, m.zeros(new Shape(1, 16, 19 + frames, 4, 6)));
                assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 2, m).close())
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("holds " + frames + " generated frames, but 2 completed sections of this job make "
                                + (frames + 9));
            }
        });
    }

    @Test
    void restoreRefusesStatesThatDoNotFit() {
        SectionSchedule schedule = SectionSchedule.inverted(3, 9);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new HashMap<>();
            tensors.put(SectionLoopState.START_LATENT, m.zeros(START));
            tensors.put(SectionLoopState.HISTORY_LATENTS, m.zeros(new Shape(1, 16, 28, 4, 6)));
            try (SectionLoopState restored = SectionLoopState.restore(schedule, tensors, 1, m)) {
                assertThat(restored.sectionsCompleted()).isEqualTo(1);
                assertThat(restored.generatedLatentFrames()).isEqualTo(9);
                assertThat(restored.noiseDraws()).isEqualTo(1);
            }

            tensors.put(SectionLoopState.HISTORY_LATENTS, m.zeros(new Shape(1, 16, 29, 4, 6)));
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 1, m))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 completed sections of this job make 9");
            tensors.put(SectionLoopState.HISTORY_LATENTS, m.zeros(new Shape(1, 16, 28, 4, 6), DataType.FLOAT16));
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 1, m))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
            tensors.put(SectionLoopState.HISTORY_LATENTS, m.zeros(new Shape(1, 16, 28, 4, 6)));
            tensors.put(SectionLoopState.LEGACY_HISTORY_PIXELS, m.zeros(new Shape(1, 3, 30, 32, 48)));
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 1, m))
                    .hasMessageContaining("saved pixels");
            tensors.remove(SectionLoopState.LEGACY_HISTORY_PIXELS);
            // 9 latent frames decode to 33 pixel frames: 33 open (the overlap), none settled.
            tensors.put(SectionLoopState.OPEN_PIXELS, m.zeros(new Shape(1, 3, 33, 32, 48)));
            try (SectionLoopState restored = SectionLoopState.restore(schedule, tensors, 1, m)) {
                assertThat(restored.pixels().frameCount()).isEqualTo(33);
                assertThat(restored.pixels().settledFrames()).isZero();
            }
            tensors.put(SectionLoopState.SETTLED_PIXELS, m.zeros(new Shape(1, 3, 1, 32, 48), DataType.UINT8));
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 1, m))
                    .hasMessageContaining("33 open, 1 settled frames");
            tensors.remove(SectionLoopState.SETTLED_PIXELS);
            tensors.put(SectionLoopState.OPEN_PIXELS, m.zeros(new Shape(1, 3, 30, 32, 48)));
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 1, m))
                    .hasMessageContaining("30 open, 0 settled frames");
            tensors.remove(SectionLoopState.OPEN_PIXELS);
            tensors.remove(SectionLoopState.HISTORY_LATENTS);
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 1, m))
                    .hasMessageContaining(SectionLoopState.HISTORY_LATENTS);
            assertThatThrownBy(() -> SectionLoopState.restore(schedule, tensors, 4, m))
                    .hasMessageContaining("the job has 3");
        }
    }
}
