package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.TensorDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The context of a video extension's first two sections against FramePack-Studio's
 * {@code video_f1_prepare_clean_latents_and_indices} (goldens/creative/video_extension_case: 5
 * video latents, K = 9, a stand-in section appended for the second), for 5 and 2 cleaned frames.
 * Slices of the same latents: equal bit for bit.
 */
class VideoExtensionScheduleParityTest {
    private static final Path CASE = Path.of("src/test/resources/goldens/creative/video_extension_case.safetensors");
    private static final int WINDOW = 9;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 2})
    void contextAndIndicesOfTheFirstTwoSectionsAreStudios(int cleaned) throws IOException {
        NDArray video = golden("video_latents");
        SectionSchedule schedule = SectionSchedule.videoExtension(2, WINDOW, 5, cleaned);
        try (SectionLoopState state = SectionLoopState.initial(schedule, video, manager)) {
            assertThat(state.startLatent().contentEquals(video.get(new NDIndex(":, :, 4:5")))).as("start latent").isTrue();
            assertThat(state.historyLatents().contentEquals(video)).as("history").isTrue();
            NDArray secondHistory = video.concat(golden("s1_appended_latents"), 2);
            assertSection(schedule, 0, state.historyLatents(), state.startLatent(), "s0_cleaned" + cleaned);
            assertSection(schedule, 1, secondHistory, state.startLatent(), "s1_cleaned" + cleaned);
        }
    }

    private void assertSection(SectionSchedule schedule, int section, NDArray history, NDArray start, String key)
            throws IOException {
        SectionIndices indices = schedule.indices(section);
        assertThat(indices.clean()).as(key + " clean indices").containsExactly(indexRow(key + "_clean_latent_indices"));
        assertThat(indices.clean2x()).as(key + " 2x indices").containsExactly(indexRow(key + "_clean_latent_2x_indices"));
        assertThat(indices.clean4x()).as(key + " 4x indices").containsExactly(indexRow(key + "_clean_latent_4x_indices"));
        // Studio's noisy positions start where ours do; for a history shorter than the window it
        // gives fewer than the K latents it samples, where ours always has K.
        long[] studioLatent = indexRow(key + "_latent_indices");
        assertThat(indices.latent()).hasSize(WINDOW);
        assertThat(Arrays.copyOf(indices.latent(), studioLatent.length)).as(key + " latent indices").containsExactly(studioLatent);
        assertThat(indices.latent()[0]).isEqualTo(1 + indices.clean4x().length + indices.clean2x().length
                + indices.clean().length - 1);

        SectionSchedule.ContextLatents context = schedule.context(history, start);
        assertThat(context.clean().contentEquals(golden(key + "_clean_latents"))).as(key + " clean latents").isTrue();
        assertPadded(context.clean2x(), golden(key + "_clean_latents_2x"), key + " 2x latents");
        assertPadded(context.clean4x(), golden(key + "_clean_latents_4x"), key + " 4x latents");
    }

    /** Studio repeats a lone 2×/4× frame to two; the transformer's replicate padding does the same with one. */
    private static void assertPadded(NDArray ours, NDArray studios, String what) {
        long frames = ours.getShape().get(2);
        assertThat(studios.get(new NDIndex(":, :, 0:" + frames)).contentEquals(ours)).as(what).isTrue();
        for (long f = frames; f < studios.getShape().get(2); f++) {
            assertThat(studios.get(new NDIndex(":, :, " + f + ":" + (f + 1)))
                    .contentEquals(ours.get(new NDIndex(":, :, " + (frames - 1) + ":" + frames)))).as(what + " padding").isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 11})
    void cleanedFramesOutsideStudiosRangeAreRefused(int cleaned) {
        assertThatThrownBy(() -> SectionSchedule.videoExtension(2, WINDOW, 5, cleaned))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context frames must be 2 to 10");
    }

    @org.junit.jupiter.api.Test
    void aVideoTooShortToFillTheContextIsRefused() {
        assertThatThrownBy(() -> SectionSchedule.videoExtension(2, WINDOW, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3 latent frames (12 video frames)");
    }

    private long[] indexRow(String name) throws IOException {
        return golden(name).toLongArray();
    }

    private NDArray golden(String name) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(CASE)) {
            return TensorDecoder.decode(file, file.entry(name), manager);
        }
    }
}
