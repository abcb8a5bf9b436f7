package io.framepack.worker.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.prompt.PromptTimeline;
import io.framepack.worker.prompt.TimedPromptException;
import io.framepack.worker.prompt.TimedPromptParser;
import io.framepack.worker.text.PromptEmbedding;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The embedding each section is conditioned on, against FramePack-Studio's per-section choice and
 * blend run on one-hot embeddings (golden {@code timed_prompts_case.json}): prompt {@code i}'s LLaMA
 * states and pooled vector are the unit vector {@code i}, so a section's vectors are its weights.
 */
class SectionPromptsTest {
    private static final Path TABLE = Path.of("src/test/resources/goldens/creative/timed_prompts_case.json");

    @Test
    void everySectionsEmbeddingIsTheReferencesBlendOfThePrompts() throws IOException {
        int checked = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (JsonNode entry : new ObjectMapper().readTree(TABLE.toFile())) {
                PromptTimeline timeline;
                try {
                    timeline = timeline(entry);
                } catch (TimedPromptException refusedMalformed) {
                    continue;
                }
                int prompts = timeline.prompts().size();
                List<PromptEmbedding> oneHot = new ArrayList<>();
                for (int i = 0; i < prompts; i++) {
                    float[] unit = new float[prompts];
                    unit[i] = 1;
                    oneHot.add(new PromptEmbedding(manager.create(unit, new Shape(1, 1, prompts)),
                            manager.create(new boolean[] {i % 2 == 0}, new Shape(1, 1)),
                            manager.create(unit, new Shape(1, prompts)), false));
                }
                List<PromptEmbedding> bySection = SectionPrompts.of(timeline, oneHot, entry.path("sections").size());
                for (JsonNode expected : entry.path("sections")) {
                    int section = expected.path("section").asInt();
                    PromptEmbedding actual = bySection.get(section);
                    String at = entry.path("text").asText() + " " + entry.path("schedule").asText() + ", section " + section;
                    double[] weights = doubles(expected.path("weights"));
                    assertClose(actual.llamaStates(), weights, at);
                    assertClose(actual.clipPooled(), weights, at);
                    int maskOf = expected.path("blend_alpha").isNull() ? expected.path("prompt").asInt()
                            : timeline.section(section).blend().from();
                    assertThat(actual.llamaMask().toBooleanArray()).as(at + ": the mask of the blend's first prompt")
                            .containsExactly(maskOf % 2 == 0);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(1000);
    }

    @Test
    void aSectionOfOnePromptSharesItsArraysAndABlendMixesTwo() {
        try (NDManager manager = NDManager.newBaseManager()) {
            PromptTimeline timeline = PromptTimeline.of(TimedPromptParser.parse("[0s: a] [3s: b]"), 12,
                    SectionSchedule.f1(10, 9), 4);
            List<PromptEmbedding> encoded = List.of(embedding(manager, 1), embedding(manager, 2));
            List<PromptEmbedding> bySection = SectionPrompts.of(timeline, encoded, 10);
            assertThat(bySection.get(0)).isSameAs(encoded.get(0));
            assertThat(bySection.get(1).llamaStates().toFloatArray()).containsExactly(1.25f, 1.25f);
            assertThat(bySection.get(9)).isSameAs(encoded.get(1));
        }
    }

    private static PromptEmbedding embedding(NDManager manager, float value) {
        return new PromptEmbedding(manager.full(new Shape(1, 2), value), manager.create(new boolean[] {true}),
                manager.full(new Shape(1, 2), value), false);
    }

    private static PromptTimeline timeline(JsonNode entry) {
        double seconds = entry.path("seconds").asDouble();
        int window = entry.path("latent_window_size").asInt();
        int sections = SectionSchedule.sectionCount(seconds, window);
        SectionSchedule schedule = entry.path("schedule").asText().equals("f1") ? SectionSchedule.f1(sections, window)
                : SectionSchedule.inverted(sections, window);
        return PromptTimeline.of(TimedPromptParser.parse(entry.path("text").asText()), seconds, schedule,
                entry.path("blend_sections").asInt());
    }

    private static void assertClose(NDArray actual, double[] expected, String at) {
        float[] values = actual.toFloatArray();
        assertThat(values).as(at).hasSize(expected.length);
        for (int i = 0; i < values.length; i++) {
            assertThat((double) values[i]).as(at + ", prompt " + i).isCloseTo(expected[i], within(1e-6));
        }
    }

    private static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }
}
