package io.framepack.api.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.RenderSettings;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identity of what a render renders: prompts (timed ones with their starts, and their blend),
 * image, end image and its strength, and render settings, in one recipe for every render. The operator writes it into the job file and the status; the worker computes it
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
        return of(job.prompts != null ? job.prompts : job.prompt, job.promptBlendSections, job.negativePrompt, job.image,
                job.endImage, job.endImageStrength, job.render);
    }

    /**
     * A local render's: the image by its content (as an inline job of that image), so that a changed
     * file never resumes an old checkpoint.
     */
    public static String ofLocal(String prompt, int promptBlendSections, String negativePrompt, byte[] image,
                                 RenderSettings render) {
        return ofLocal(prompt, promptBlendSections, negativePrompt, image, null, null, render);
    }

    /** A local render's with an end image (null: none), both images by their content. */
    public static String ofLocal(String prompt, int promptBlendSections, String negativePrompt, byte[] image,
                                 byte[] endImage, Double endImageStrength, RenderSettings render) {
        return of(prompt, promptBlendSections, negativePrompt, inline(image), endImage == null ? null : inline(endImage),
                endImageStrength, render);
    }

    private static WorkerJob.ImageInput inline(byte[] image) {
        WorkerJob.ImageInput inline = new WorkerJob.ImageInput();
        inline.inline = Base64.getEncoder().encodeToString(image);
        return inline;
    }

    /**
     * @param prompt the text, or the timed prompts' list; a plain prompt and no blend hash as they
     *               always did, so older checkpoints still resume
     * @param endImage null for none; then neither it nor its strength is hashed, and a strength of
     *                 1 hashes as the absent one (the same pixels)
     */
    private static String of(Object prompt, Integer promptBlendSections, String negativePrompt,
                             WorkerJob.ImageInput image, WorkerJob.ImageInput endImage, Double endImageStrength,
                             RenderSettings render) {
        Map<String, Object> defining = new LinkedHashMap<>();
        defining.put("prompt", prompt);
        defining.put("promptBlendSections", promptBlendSections == null || promptBlendSections == 0 ? null
                : promptBlendSections);
        defining.put("negativePrompt", negativePrompt);
        defining.put("image", image);
        if (endImage != null) {
            defining.put("endImage", endImage);
            if (endImageStrength != null && endImageStrength != InputSpec.DEFAULT_END_IMAGE_STRENGTH) {
                defining.put("endImageStrength", endImageStrength);
            }
        }
        defining.put("render", render);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(CANONICAL_JSON.writeValueAsBytes(defining));
            return HexFormat.of().formatHex(digest, 0, BYTES);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash the job", e);
        }
    }
}
