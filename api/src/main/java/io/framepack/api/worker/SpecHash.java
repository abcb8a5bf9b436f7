package io.framepack.api.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.framepack.api.v1alpha1.RenderSettings;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identity of what a render renders: prompts (timed ones with their starts, and their blend),
 * image and render settings, in one recipe for every render. The operator writes it into the job file and the status; the worker computes it
 * again from the job it was given and never trusts the file's copy, or from a local render's
 * command line, so a checkpoint only resumes the render it was made for. The model is not part of
 * it: the worker fingerprints the model files themselves.
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

    /** A cluster render's: the image by its source, as the resource names it. */
    public static String of(WorkerJob job) {
        String hash = of(job.prompts != null ? job.prompts : job.prompt, job.promptBlendSections, job.negativePrompt,
                job.image, job.render);
        return job.from == null ? hash : rerolled(hash, job.from.jobId, job.from.section == null ? 0 : job.from.section);
    }

    /**
     * The hash of a re-roll of {@code source}'s first {@code section} sections with the settings
     * {@code hash} identifies: its video's start is the source's, so the source is part of it.
     */
    public static String rerolled(String hash, String source, int section) {
        Map<String, Object> defining = new LinkedHashMap<>();
        defining.put("spec", hash);
        defining.put("from", source);
        defining.put("section", section);
        return digest(defining);
    }

    /**
     * A local render's: the image by its content (as an inline job of that image), so that a changed
     * file never resumes an old checkpoint.
     */
    public static String ofLocal(String prompt, int promptBlendSections, String negativePrompt, byte[] image,
                                 RenderSettings render) {
        WorkerJob.ImageInput inline = new WorkerJob.ImageInput();
        inline.inline = Base64.getEncoder().encodeToString(image);
        return of(prompt, promptBlendSections, negativePrompt, inline, render);
    }

    /**
     * @param prompt the text, or the timed prompts' list; a plain prompt and no blend hash as they
     *               always did, so older checkpoints still resume
     */
    private static String of(Object prompt, Integer promptBlendSections, String negativePrompt,
                             WorkerJob.ImageInput image, RenderSettings render) {
        Map<String, Object> defining = new LinkedHashMap<>();
        defining.put("prompt", prompt);
        defining.put("promptBlendSections", promptBlendSections == null || promptBlendSections == 0 ? null
                : promptBlendSections);
        defining.put("negativePrompt", negativePrompt);
        defining.put("image", image);
        defining.put("render", render);
        return digest(defining);
    }

    private static String digest(Map<String, Object> defining) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(CANONICAL_JSON.writeValueAsBytes(defining));
            return HexFormat.of().formatHex(digest, 0, BYTES);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash the job", e);
        }
    }
}
