package io.framepack.worker.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.GoldenCases;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Section counts, paddings and token positions: the golden manifest's section logs, and the values
 * the official demos compute for the 640 bucket's window of 9 (lllyasviel/FramePack,
 * {@code demo_gradio.py} and {@code demo_gradio_f1.py}: {@code latent_paddings} and the index splits).
 */
class SectionScheduleTest {

    @Test
    void everyGoldenJobsSectionsIndicesAndPaddings() {
        GoldenCases goldens = GoldenCases.load();
        assertThat(goldens.jobCases()).isNotEmpty();
        for (String job : goldens.jobCases()) {
            JsonNode info = goldens.caseInfo(job);
            int window = info.path("window").asInt();
            int sections = SectionSchedule.sectionCount(info.path("seconds").asDouble(), window);
            assertThat(sections).as("%s sections", job).isEqualTo(info.path("sections").asInt());
            SectionSchedule schedule = JobCases.schedule(info);
            JsonNode log = info.path("section_log");
            assertThat(log).hasSize(sections);
            if (schedule instanceof InvertedSchedule) {
                assertThat(InvertedSchedule.latentPaddings(sections)).isEqualTo(ints(info.path("latent_paddings")));
            }
            for (JsonNode entry : log) {
                int s = entry.path("section").asInt();
                SectionIndices indices = schedule.indices(s);
                String what = job + " section " + s;
                assertThat(indices.latent()).as(what).containsExactly(longs(entry.path("latent_indices")));
                assertThat(indices.clean()).as(what).containsExactly(longs(entry.path("clean_latent_indices")));
                assertThat(indices.clean2x()).as(what).containsExactly(longs(entry.path("clean_latent_2x_indices")));
                assertThat(indices.clean4x()).as(what).containsExactly(longs(entry.path("clean_latent_4x_indices")));
                if (entry.has("latent_padding")) {
                    assertThat(((InvertedSchedule) schedule).latentPadding(s)).as(what)
                            .isEqualTo(entry.path("latent_padding").asInt());
                }
            }
        }
    }

    @Test
    void sectionCountsRoundHalfToEven() {
        assertThat(SectionSchedule.sectionCount(1, 9)).isEqualTo(1);
        assertThat(SectionSchedule.sectionCount(1.2, 9)).isEqualTo(1);
        assertThat(SectionSchedule.sectionCount(1.8, 9)).isEqualTo(2);
        assertThat(SectionSchedule.sectionCount(3, 9)).isEqualTo(2);
        assertThat(SectionSchedule.sectionCount(4, 9)).isEqualTo(3);
        assertThat(SectionSchedule.sectionCount(5, 9)).isEqualTo(4);
        assertThat(SectionSchedule.sectionCount(6, 9)).isEqualTo(5);
        assertThat(SectionSchedule.sectionCount(10, 9)).isEqualTo(8);
        assertThat(SectionSchedule.sectionCount(60, 9)).isEqualTo(50);
        assertThat(SectionSchedule.sectionCount(120, 9)).isEqualTo(100);
        assertThat(SectionSchedule.sectionCount(0.1, 9)).isEqualTo(1);
        assertThatThrownBy(() -> SectionSchedule.sectionCount(-1, 9)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void longVideosRepeatPaddingTwo() {
        assertThat(InvertedSchedule.latentPaddings(1)).containsExactly(0);
        assertThat(InvertedSchedule.latentPaddings(4)).containsExactly(3, 2, 1, 0);
        assertThat(InvertedSchedule.latentPaddings(5)).containsExactly(3, 2, 2, 1, 0);
        assertThat(InvertedSchedule.latentPaddings(8)).containsExactly(3, 2, 2, 2, 2, 2, 1, 0);
        List<Integer> sixty = new ArrayList<>(List.of(3));
        sixty.addAll(Collections.nCopies(47, 2));
        sixty.addAll(List.of(1, 0));
        assertThat(InvertedSchedule.latentPaddings(50)).isEqualTo(sixty);
    }

    @Test
    void officialWindowIndicesOfTheOfficialDemos() {
        SectionSchedule inverted = SectionSchedule.inverted(4, 9);
        long[][] expected = {{28, 37, 38, 40}, {19, 28, 29, 31}, {10, 19, 20, 22}, {1, 10, 11, 13}};
        for (int s = 0; s < 4; s++) {
            SectionIndices indices = inverted.indices(s);
            assertThat(indices.latent()).startsWith(expected[s][0]).hasSize(9);
            assertThat(indices.clean()).containsExactly(0, expected[s][1]);
            assertThat(indices.clean2x()).containsExactly(expected[s][2], expected[s][2] + 1);
            assertThat(indices.clean4x()).startsWith(expected[s][3]).hasSize(16);
        }
        SectionIndices f1 = SectionSchedule.f1(4, 9).indices(3);
        assertThat(f1.latent()).containsExactly(20, 21, 22, 23, 24, 25, 26, 27, 28);
        assertThat(f1.clean()).containsExactly(0, 19);
        assertThat(f1.clean2x()).containsExactly(17, 18);
        assertThat(f1.clean4x()).startsWith(1).endsWith(16).hasSize(16);
        assertThat(inverted.overlapPixelFrames()).isEqualTo(33);
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asInt()));
        return values;
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }
}
