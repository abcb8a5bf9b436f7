package io.framepack.api.worker;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.v1alpha1.TimedPromptSpec;

import java.util.List;

/**
 * Everything the worker's {@code run} command needs for one render, as the operator writes it
 * into the pod (file {@link WorkerContract#JOB_FILE}). Volumes are already resolved to mount
 * paths; S3 credentials arrive as environment variables, never in this file.
 */
public class WorkerJob {
    /** More would only cost storage: a resume needs the newest intact one, the next is the spare. */
    public static final int MAX_KEEP_CHECKPOINTS = 100;

    /** Stable identity of the render ({@code namespace/name/uid}); names outputs and checkpoints. */
    public String jobId;
    /** Hash of everything in the resource that defines the pixels; a checkpoint of another spec is refused. */
    public String specHash;

    /** The prompt of the whole video; ignored when {@link #prompts} is set. */
    public String prompt = "";
    /** Timed prompts ({@code spec.input.prompts}), or null for {@link #prompt}. */
    public List<TimedPromptSpec> prompts;
    /** Sections a prompt change is blended over; null or 0: none. */
    public Integer promptBlendSections;
    public String negativePrompt = "";
    public ImageInput image = new ImageInput();
    /** The image the video ends on ({@code spec.input.endImage}), or null for none. */
    public ImageInput endImage;
    /** Its strength, 0 to 1; null: {@link io.framepack.api.v1alpha1.InputSpec#DEFAULT_END_IMAGE_STRENGTH}. */
    public Double endImageStrength;
    /** The MP4 the render extends ({@code spec.input.video}; never inline), or null for a render from {@link #image}. */
    public ImageInput video;
    /** The video extension's 1x context frames; null: {@link io.framepack.api.v1alpha1.Formats#VIDEO_CONTEXT_FRAMES_DEFAULT}. */
    public Integer videoContextFrames;
    public RenderSettings render = new RenderSettings();

    /** Directory holding the official Hugging Face folders (see the worker's model layout). */
    public String modelDir = WorkerContract.MODEL_MOUNT;
    /** LoRAs merged into the transformer at load, in order ({@code spec.model.loras}); null: none. */
    public List<Lora> loras;
    public Storage output = new Storage();
    public Storage checkpoints = new Storage();
    /** Text constants, because the operator's config and the command line take their defaults as annotations. */
    public static final String DEFAULT_CHECKPOINT_EVERY = "1";
    public static final String DEFAULT_KEEP_CHECKPOINTS = "2";

    /** Save a checkpoint after every n-th section (and always after the last). */
    public Integer checkpointEvery = Integer.valueOf(DEFAULT_CHECKPOINT_EVERY);
    /** Number of checkpoints kept; older ones are deleted after a newer one is complete. */
    public Integer keepCheckpoints = Integer.valueOf(DEFAULT_KEEP_CHECKPOINTS);
    /** GPU memory the worker may use, in bytes ({@code spec.resources.gpuMemory}); null: what the device has free. */
    public Long gpuMemoryBytes;

    /** The render this one re-rolls ({@code spec.from}), or null for a render from the first section. */
    public RerollFrom from;

    /** An image (start or end), exactly one field set. */
    public static class ImageInput {
        public String url;
        /** A file on a mounted volume. */
        public String file;
        public S3Location s3;
        /** Base64 image bytes. */
        public String inline;
    }

    /** A LoRA file on a mounted volume or an S3 object ({@code prefix} the whole key), exactly one set, and its multiplier. */
    public static class Lora {
        public String file;
        public S3Location s3;
        public double scale = 1.0;
    }

    /**
     * Where a re-roll starts: the checkpoint after {@code section} finished sections of the render
     * {@code jobId}, in this job's checkpoint storage.
     */
    public static class RerollFrom {
        public String jobId;
        public Integer section;
    }

    /** A directory (mounted volume) or an S3 prefix, exactly one set. */
    public static class Storage {
        public String directory;
        public S3Location s3;
    }
}
