package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.sampling.NoiseSource;
import io.framepack.worker.text.PromptEmbedding;

import java.util.Collections;

/** The settings and conditioning of a golden job case, as the section loop takes them. */
final class JobCases {
    private static final String FORWARD = "transformer_forward_case";
    private static final String SAMPLER = "sampler_case";

    private JobCases() {
    }

    /** The golden job {@code info} describes, drawing its noise from {@code noise}. */
    static SectionLoop.Job job(GoldenCases goldens, JsonNode info, NoiseSource noise, NDManager m) {
        return new SectionLoop.Job(schedule(info), settings(info), conditioning(goldens, info, m), noise);
    }

    static SectionSchedule schedule(JsonNode info) {
        int window = info.path("window").asInt();
        int sections = info.path("sections").asInt();
        return switch (info.path("mode").asText()) {
            case "inverted" -> SectionSchedule.inverted(sections, window);
            case "f1" -> SectionSchedule.f1(sections, window);
            default -> throw new IllegalArgumentException("unknown job mode " + info.path("mode"));
        };
    }

    static SamplingSettings settings(JsonNode info) {
        return new SamplingSettings(info.path("steps").asInt(), info.path("gs").asDouble(), info.path("cfg").asDouble(),
                info.path("rs").asDouble());
    }

    /**
     * The golden jobs condition on the inputs of the transformer forward case; the negative side
     * is the sampler case's negative prompt with real CFG, zeros otherwise (as the demo does).
     */
    static Conditioning conditioning(GoldenCases goldens, JsonNode info, NDManager m) {
        PromptEmbedding positive = new PromptEmbedding(goldens.tensor(FORWARD, "encoder_hidden_states", m),
                goldens.tensor(FORWARD, "encoder_attention_mask", m), goldens.tensor(FORWARD, "pooled_projections", m),
                false);
        PromptEmbedding negative = info.path("cfg").asDouble() != 1.0
                ? new PromptEmbedding(goldens.tensor(SAMPLER, "negative_encoder_hidden_states", m),
                        goldens.tensor(SAMPLER, "negative_encoder_attention_mask", m),
                        goldens.tensor(SAMPLER, "negative_pooled_projections", m), false)
                : new PromptEmbedding(positive.llamaStates().zerosLike(), positive.llamaMask(),
                        positive.clipPooled().zerosLike(), false);
        NDArray image = goldens.tensor(FORWARD, "image_embeddings", m);
        return new Conditioning(Collections.nCopies(info.path("sections").asInt(), positive), negative, image);
    }
}
