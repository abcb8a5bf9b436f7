package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;

/**
 * Manifests of format versions 1 to 3 in the shape of today's. Version 1 stored each tensor as
 * one file; versions before 3 had no manifest hash (checked, where there is one, before this
 * runs). Up to version 3 the scalars lived in {@code state}: the render's under {@code render}
 * (the section count again as {@code sections_completed} and {@code noise_draws}, and
 * {@code generated_latent_frames}, which the latent history's length says), the section times
 * under {@code sectionSeconds}.
 */
final class LegacyManifests {
    private static final String RENDER_STATE = "render";
    private static final String SECTION_SECONDS = "sectionSeconds";
    /** The section count as versions up to 3 repeated it: it must agree with the manifest's. */
    private static final Set<String> SECTION_COUNT_COPIES = Set.of("sections_completed", "noise_draws");
    /** Derived from the latent history, whose length is checked on restore. */
    private static final String GENERATED_LATENT_FRAMES = "generated_latent_frames";

    private LegacyManifests() {
    }

    /** A copy of {@code manifest}, of format {@code version}, in the shape of the current format. */
    static ObjectNode upgrade(ObjectNode manifest, int version) throws CorruptCheckpointException {
        ObjectNode upgraded = manifest.deepCopy();
        for (JsonNode described : upgraded.path("tensors")) {
            if (described instanceof ObjectNode tensor) {
                if (!tensor.has("parts")) {
                    wholeFileAsOnePart(tensor);
                }
                if (!tensor.has("settledEnd")) {
                    tensor.put("settledEnd", FrameTensor.SettledEnd.END.name());
                }
            }
        }
        JsonNode state = upgraded.remove("state");
        if (state == null || !state.isObject()) {
            throw new CorruptCheckpointException("version " + version + " manifest lacks its state");
        }
        ObjectNode settings = upgraded.putObject("settings");
        for (Map.Entry<String, JsonNode> scalar : state.path(RENDER_STATE).properties()) {
            if (SECTION_COUNT_COPIES.contains(scalar.getKey())) {
                int sections = upgraded.path("sectionsCompleted").asInt(-1);
                if (scalar.getValue().asLong(-1) != sections) {
                    throw new CorruptCheckpointException("its state says " + scalar.getValue() + " " + scalar.getKey()
                            + ", its manifest " + sections + " sections completed");
                }
            } else if (!scalar.getKey().equals(GENERATED_LATENT_FRAMES)) {
                settings.set(scalar.getKey(), scalar.getValue());
            }
        }
        JsonNode seconds = state.path(SECTION_SECONDS);
        upgraded.set(SECTION_SECONDS, seconds.isArray() ? seconds : upgraded.arrayNode());
        return upgraded;
    }

    private static void wholeFileAsOnePart(ObjectNode tensor) {
        JsonNode shape = tensor.path("shape");
        ArrayNode parts = tensor.putArray("parts");
        ObjectNode whole = parts.addObject();
        whole.set("file", tensor.remove("file"));
        whole.put("frames", shape.size() > StoredTensor.TIME_AXIS ? shape.get(StoredTensor.TIME_AXIS).asInt(-1) : 1);
        whole.set("bytes", tensor.get("bytes"));
        whole.set("sha256", tensor.remove("sha256"));
    }
}
