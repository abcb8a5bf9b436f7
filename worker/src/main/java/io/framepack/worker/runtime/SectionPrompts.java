package io.framepack.worker.runtime;

import io.framepack.worker.prompt.PromptTimeline;
import io.framepack.worker.prompt.SectionPrompt;
import io.framepack.worker.text.PromptEmbedding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompt embedding of each section, in generation order: the encoded prompt its time position
 * picks, or the blend of two that {@link PromptTimeline} asks for. Each distinct prompt was encoded
 * once; sections that share a prompt or a blend share its arrays.
 */
final class SectionPrompts {
    private SectionPrompts() {
    }

    /** @param encoded the embedding of each of {@link PromptTimeline#prompts()}, in that order */
    static List<PromptEmbedding> of(PromptTimeline timeline, List<PromptEmbedding> encoded, int sections) {
        if (encoded.size() != timeline.prompts().size()) {
            throw new IllegalArgumentException(encoded.size() + " embeddings for " + timeline.prompts().size() + " prompts");
        }
        Map<SectionPrompt.Blend, PromptEmbedding> blends = new HashMap<>();
        List<PromptEmbedding> bySection = new ArrayList<>(sections);
        for (int section = 0; section < sections; section++) {
            SectionPrompt prompt = timeline.section(section);
            bySection.add(prompt.blended()
                    ? blends.computeIfAbsent(prompt.blend(),
                            b -> encoded.get(b.from()).blendTowards(encoded.get(b.to()), b.alpha()))
                    : encoded.get(prompt.prompt()));
        }
        return bySection;
    }
}
