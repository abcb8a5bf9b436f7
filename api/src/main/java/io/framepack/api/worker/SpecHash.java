package io.framepack.api.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identity of what a {@link WorkerJob} renders: prompts, image source and render settings.
 * The operator writes it into the job file and the status; the worker computes it again from the
 * job it was given and never trusts the file's copy, so a checkpoint only resumes the render it
 * was made for. The model is not part of it: the worker fingerprints the model files themselves.
 */
public final class SpecHash {
    private static final ObjectMapper CANONICAL_JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    /** Leading bytes of the SHA-256 kept: 96 bits, 24 hex digits. */
    private static final int BYTES = 12;

    private SpecHash() {
    }

    public static String of(WorkerJob job) {
        Map<String, Object> defining = new LinkedHashMap<>();
        defining.put("prompt", job.prompt);
        defining.put("negativePrompt", job.negativePrompt);
        defining.put("image", job.image);
        defining.put("render", job.render);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(CANONICAL_JSON.writeValueAsBytes(defining));
            return HexFormat.of().formatHex(digest, 0, BYTES);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash the job", e);
        }
    }
}
