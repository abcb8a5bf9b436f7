package io.framepack.api.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.RenderSettings;

import java.nio.charset.StandardCharsets;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identity of what a render renders: prompts (timed ones with their starts, and their blend),
 * image (or the video it extends), end image and its strength, and render settings, in one recipe for every render. The operator writes it into the job file and the status; the worker computes it
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
        Map<String, Object> video = null;
        if (job.video != null) {
            video = new LinkedHashMap<>();
            video.put("source", job.video);
            video.put("contextFrames", videoContextFrames(job.videoContextFrames));
        }
        String hash = of(job.prompts != null ? job.prompts : job.prompt, job.promptBlendSections, job.negativePrompt,
                job.image, job.endImage, job.endImageStrength, job.render, video);
        return job.from == null ? hash : rerolled(hash, job.from.jobId, job.from.section == null ? 0 : job.from.section);
    }

    /** A video extension's context frames, its default filled in, so that both spellings hash alike. */
    public static int videoContextFrames(Integer given) {
        return given == null ? Formats.VIDEO_CONTEXT_FRAMES_DEFAULT : given;
    }

    /**
     * A local render that extends a video: the video by its content (see {@link #withVideoContent})
     * and its context frames.
     */
    public static String ofLocalVideo(String prompt, int promptBlendSections, String negativePrompt, byte[] video,
                                      int contextFrames, RenderSettings render) {
        return withVideoContent(of(prompt, promptBlendSections, negativePrompt, null, null, null, render,
                Map.of("contextFrames", contextFrames)), video);
    }

    /**
     * The identity of a render that extends a video: its spec hash joined with the video's
     * SHA-256, so that other bytes at the same source (a replaced file or object) never resume its
     * checkpoints. The worker computes it once it has read the video; the operator, which never
     * reads it, knows only the spec hash.
     */
    public static String withVideoContent(String specHash, byte[] video) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String content = HexFormat.of().formatHex(sha.digest(video));
            byte[] digest = sha.digest((specHash + "/video-sha256:" + content).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash the video", e);
        }
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
        return ofLocal(prompt, promptBlendSections, negativePrompt, image, null, null, render);
    }

    /** A local render's with an end image (null: none), both images by their content. */
    public static String ofLocal(String prompt, int promptBlendSections, String negativePrompt, byte[] image,
                                 byte[] endImage, Double endImageStrength, RenderSettings render) {
        return of(prompt, promptBlendSections, negativePrompt, inline(image), endImage == null ? null : inline(endImage),
                endImageStrength, render, null);
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
                             RenderSettings render, Map<String, Object> video) {
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
        // Absent for a render from an image, so that their hashes stay as they were.
        defining.put("video", video);
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
