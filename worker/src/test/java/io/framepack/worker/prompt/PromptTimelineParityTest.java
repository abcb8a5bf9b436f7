package io.framepack.worker.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.pipeline.SectionSchedule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The section → time → prompt table of FramePack-Studio (its parser run as is, its per-section
 * choice and blend executed line for line) for both schedules, several durations, windows and
 * blend settings: the timeline must give every section the same prompt, time and blend weights.
 */
class PromptTimelineParityTest {
    private static final Path TABLE = Path.of("src/test/resources/goldens/creative/timed_prompts_case.json");
    /** Texts the reference keeps as prompt words and this parser refuses. */
    private static final Set<String> MALFORMED = Set.of("[0s: unclosed bracket", "[x: not a time] [1s: fine]");

    @Test
    void everySectionGetsTheReferencePromptTimeAndBlend() throws IOException {
        JsonNode table = new ObjectMapper().readTree(TABLE.toFile());
        int checked = 0;
        for (JsonNode entry : table) {
            String text = entry.path("text").asText();
            String label = entry.path("schedule").asText() + " " + entry.path("seconds").asDouble() + " s, K "
                    + entry.path("latent_window_size").asInt() + ", blend " + entry.path("blend_sections").asInt()
                    + ": " + text;
            if (MALFORMED.contains(text)) {
                assertThatThrownBy(() -> TimedPromptParser.parse(text)).as(label)
                        .isInstanceOf(TimedPromptException.class);
                continue;
            }
            PromptTimeline timeline = timeline(entry, TimedPromptParser.parse(text));
            assertThat(timeline.prompts()).as(label).containsExactlyElementsOf(texts(entry.path("prompts")));
            assertSpans(entry.path("parsed"), timeline.spans(), label);
            for (JsonNode expected : entry.path("sections")) {
                int index = expected.path("section").asInt();
                SectionPrompt actual = timeline.section(index);
                String at = label + ", section " + index;
                assertThat(actual.timePosition()).as(at).isEqualTo(expected.path("time_position").asDouble());
                assertThat(actual.prompt()).as(at).isEqualTo(expected.path("prompt").asInt());
                assertThat(actual.weights(timeline.prompts().size())).as(at)
                        .containsExactly(doubles(expected.path("weights")));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(1000);
    }

    private static PromptTimeline timeline(JsonNode entry, List<TimedPrompt> prompts) {
        double seconds = entry.path("seconds").asDouble();
        int window = entry.path("latent_window_size").asInt();
        int sections = SectionSchedule.sectionCount(seconds, window);
        SectionSchedule schedule = switch (entry.path("schedule").asText()) {
            case "inverted" -> SectionSchedule.inverted(sections, window);
            case "f1" -> SectionSchedule.f1(sections, window);
            default -> throw new IllegalArgumentException(entry.path("schedule").asText());
        };
        assertThat(schedule.sections()).isEqualTo(entry.path("sections").size());
        return PromptTimeline.of(prompts, seconds, schedule, entry.path("blend_sections").asInt());
    }

    /** A text without brackets is one unsnapped prompt in the reference; its choice is the same. */
    private static void assertSpans(JsonNode parsed, List<PromptSpan> spans, String label) {
        if (parsed.size() == 1 && parsed.get(0).path("end").isNull()) {
            assertThat(spans).as(label).hasSize(1);
            return;
        }
        assertThat(spans).as(label).hasSize(parsed.size());
        for (int i = 0; i < spans.size(); i++) {
            JsonNode expected = parsed.get(i);
            assertThat(spans.get(i)).as(label + ", span " + i).isEqualTo(new PromptSpan(
                    expected.path("prompt").asText(), expected.path("start").asDouble(), expected.path("end").asDouble()));
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }
}
