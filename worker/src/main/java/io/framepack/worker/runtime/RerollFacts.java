package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointMismatchException;
import io.framepack.worker.tensor.Sha256;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a re-roll must share with the render it starts from, so that its remaining sections
 * continue that render's: the frame grid (resolution), the latent window, the sampling order
 * (inverted or F1), the frame rate and section count, and the start image (its SigLIP states
 * condition every section). Every checkpoint records them in its settings; the model files are
 * compared by their fingerprint, which every checkpoint holds anyway. Seed, prompts, steps and
 * guidance may differ: they are what a re-roll changes.
 */
final class RerollFacts {
    static final String RESOLUTION = "resolution";
    static final String LATENT_WINDOW_SIZE = "latentWindowSize";
    static final String VARIANT = "variant";
    static final String FRAMES_PER_SECOND = "framesPerSecond";
    static final String SECTIONS = "sectionsTotal";
    /** The first 63 bits of the start image's SHA-256. */
    static final String START_IMAGE = "startImage";

    private RerollFacts() {
    }

    /** {@code checkpoint} with {@code plan}'s facts added to its settings. */
    static Checkpoint stamped(Checkpoint checkpoint, RenderPlan plan) {
        Map<String, Long> settings = new LinkedHashMap<>(checkpoint.settings());
        settings.putAll(of(plan));
        return new Checkpoint(checkpoint.identity(), checkpoint.sectionsCompleted(), checkpoint.tensors(), settings,
                checkpoint.sectionSeconds());
    }

    /**
     * Refuses a re-roll of {@code plan} from {@code start} where a fact differs, or where nothing
     * would be left to render.
     */
    static void requireSame(Checkpoint start, RenderPlan plan, String source) {
        String refused = "cannot re-roll from section " + start.sectionsCompleted() + " of " + source + ": ";
        Map<String, Long> wanted = of(plan);
        for (Map.Entry<String, Long> fact : wanted.entrySet()) {
            Long saved = start.settings().get(fact.getKey());
            if (saved == null) {
                throw new CheckpointMismatchException(refused + "its checkpoint does not record its " + fact.getKey()
                        + " (written by an older worker); render the source again to re-roll it");
            }
            if (!saved.equals(fact.getValue())) {
                throw new CheckpointMismatchException(refused + "it was rendered with another " + describe(fact.getKey(),
                        saved) + ", this render has " + describe(fact.getKey(), fact.getValue())
                        + "; a re-roll keeps the model, resolution, latent window, variant, length and start image");
            }
        }
        if (start.sectionsCompleted() >= wanted.get(SECTIONS)) {
            throw new CheckpointMismatchException(refused + "the render has " + wanted.get(SECTIONS)
                    + " sections, none is left to re-roll");
        }
    }

    private static String describe(String fact, long value) {
        return switch (fact) {
            case VARIANT -> "variant (" + (value == 1 ? RenderSettings.Variant.f1 : RenderSettings.Variant.inverted) + ")";
            case START_IMAGE -> "start image";
            default -> fact + " (" + value + ")";
        };
    }

    private static Map<String, Long> of(RenderPlan plan) {
        Map<String, Long> facts = new LinkedHashMap<>();
        facts.put(RESOLUTION, (long) plan.settings().resolution);
        facts.put(LATENT_WINDOW_SIZE, (long) plan.settings().latentWindowSize);
        facts.put(VARIANT, plan.settings().variant == RenderSettings.Variant.f1 ? 1L : 0L);
        facts.put(FRAMES_PER_SECOND, (long) SectionSchedule.FRAMES_PER_SECOND);
        facts.put(SECTIONS, (long) plan.schedule().sections());
        // What the video starts from: the start image, or the video a render extends (it has no start image).
        byte[] image = Sha256.newDigest().digest(plan.inputs().video() != null ? plan.inputs().video().mp4()
                : plan.inputs().startImage());
        facts.put(START_IMAGE, ByteBuffer.wrap(image).getLong() >>> 1);
        return facts;
    }
}
