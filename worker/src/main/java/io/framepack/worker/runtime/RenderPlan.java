package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.worker.pipeline.SamplingSettings;
import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.prompt.PromptTimeline;
import io.framepack.worker.prompt.TimedPrompt;

import java.nio.file.Path;
import java.util.List;

/**
 * One render as the worker runs it, built once, from a job file ({@code run}) or a command line
 * ({@code generate}), and read by everything that renders it.
 *
 * @param identity  which render this is
 * @param inputs    what the video is conditioned on
 * @param settings  how it is sampled, as the API states it (checked against its table); read by the
 *                  section loop as {@link #schedule()} and {@link #sampling()}
 * @param outputs   where its video goes and how often it is checkpointed
 * @param resources the model and the device it runs on
 */
public record RenderPlan(Identity identity, Inputs inputs, RenderSettings settings, Outputs outputs, Resources resources) {

    public RenderPlan {
        if (inputs.video() != null && settings.variant != RenderSettings.Variant.f1) {
            throw new InvalidInputException(InvalidInputException.INPUT, "extending a video samples forward from its"
                    + " end: set the variant to f1 (inverted sampling renders the end first and has no video to end on)");
        }
    }

    /**
     * @param jobId    stable identity; names the checkpoints' owner and the output's claim
     * @param specHash hash of everything that defines the pixels
     * @param modelId  fingerprint of the model files
     */
    public record Identity(String jobId, String specHash, String modelId) {
    }

    /**
     * @param prompts             the text prompts with the time each starts (one from 0 s for a plain
     *                            prompt), through LLaMA and CLIP, each distinct text once
     * @param promptBlendSections sections over which a prompt change is blended, 0 for none
     * @param negativePrompt      encoded only for real classifier-free guidance ({@code cfg} above 1)
     * @param startImage          the first frame's encoded bytes (PNG, JPEG, WebP), through SigLIP and the VAE;
     *                            null when the render extends a video
     * @param endImage            the last frame's encoded bytes, through the VAE only (inverted sampling), or null
     * @param endImageStrength    what the end latent is multiplied by, 0 to 1 (1: as it is)
     * @param video               the video the render continues, or null for a render from its start image
     */
    public record Inputs(List<TimedPrompt> prompts, int promptBlendSections, String negativePrompt, byte[] startImage,
                         byte[] endImage, double endImageStrength, Video video) {
        public Inputs {
            if (prompts.isEmpty()) {
                throw new InvalidInputException(InvalidInputException.INPUT, "a render needs at least one prompt");
            }
            if ((startImage == null) == (video == null)) {
                throw new InvalidInputException(InvalidInputException.INPUT,
                        "a render starts from an image or extends a video: give exactly one of them");
            }
            prompts = List.copyOf(prompts);
        }

        /** A render from a start image. */
        public Inputs(List<TimedPrompt> prompts, int promptBlendSections, String negativePrompt, byte[] startImage) {
            this(prompts, promptBlendSections, negativePrompt, startImage, null, InputSpec.DEFAULT_END_IMAGE_STRENGTH, null);
        }

        /** A render from a start image to an end image. */
        public Inputs(List<TimedPrompt> prompts, int promptBlendSections, String negativePrompt, byte[] startImage,
                      byte[] endImage, double endImageStrength) {
            this(prompts, promptBlendSections, negativePrompt, startImage, endImage, endImageStrength, null);
        }

        /** A render that extends a video. */
        public Inputs(List<TimedPrompt> prompts, int promptBlendSections, String negativePrompt, Video video) {
            this(prompts, promptBlendSections, negativePrompt, null, null, InputSpec.DEFAULT_END_IMAGE_STRENGTH, video);
        }

        /** One prompt for the whole video. */
        public Inputs(String prompt, String negativePrompt, byte[] startImage) {
            this(List.of(TimedPrompt.whole(prompt)), 0, negativePrompt, startImage);
        }
    }

    /**
     * A video to extend, as FramePack-Studio's video extension: its frames in the render's size are
     * the output's first frames, its last encoded frames the history the sections continue.
     *
     * @param mp4           the file's bytes
     * @param contextFrames Studio's "number of context frames": the 1× context, start latent included
     */
    public record Video(byte[] mp4, int contextFrames) {
    }

    /**
     * @param videoName       base name of the video in the output store (no extension)
     * @param checkpointEvery save after every n-th section (and always after the last)
     */
    public record Outputs(String videoName, int checkpointEvery) {
        public Outputs {
            if (checkpointEvery < 1) {
                throw new InvalidInputException(InvalidInputException.INPUT, "checkpointEvery must be at least 1, got " + checkpointEvery);
            }
        }
    }

    /**
     * @param modelDir       the official Hugging Face folders
     * @param device         "cpu", "gpu", or null for the GPU when one is visible
     * @param gpuMemoryBytes the GPU memory budget, or null for what the device has free (see {@link MemoryPlan})
     * @param loras          merged into the transformer at load, in this order
     */
    public record Resources(Path modelDir, String device, Long gpuMemoryBytes, List<Lora> loras) {
        public Resources {
            loras = List.copyOf(loras);
        }

        /** Without LoRAs. */
        public Resources(Path modelDir, String device, Long gpuMemoryBytes) {
            this(modelDir, device, gpuMemoryBytes, List.of());
        }
    }

    /** A LoRA file (safetensors) and the multiplier it is merged with. */
    public record Lora(Path file, double scale) {
    }

    /**
     * The sections for the requested length, {@code round(seconds·30 / (4·window))}, in FramePack's
     * anti-drifting order (from the end back to the start image) or FramePack-F1's forward one.
     */
    public SectionSchedule schedule() {
        int window = settings.latentWindowSize;
        int sections = SectionSchedule.sectionCount(settings.seconds, window);
        return settings.variant == RenderSettings.Variant.f1
                ? SectionSchedule.f1(sections, window) : SectionSchedule.inverted(sections, window);
    }

    /** The sections that extend a video of {@code videoLatentFrames} encoded latents, forward from its end. */
    public SectionSchedule extensionSchedule(int videoLatentFrames) {
        int window = settings.latentWindowSize;
        return SectionSchedule.videoExtension(SectionSchedule.sectionCount(settings.seconds, window), window,
                videoLatentFrames, inputs.video().contextFrames());
    }

    /** Which prompt, or blend of two, conditions each section of {@link #schedule()}. */
    public PromptTimeline promptTimeline() {
        return promptTimeline(schedule());
    }

    /** Which prompt, or blend of two, conditions each section of {@code schedule}. */
    public PromptTimeline promptTimeline(SectionSchedule schedule) {
        return PromptTimeline.of(inputs.prompts(), settings.seconds, schedule, inputs.promptBlendSections());
    }

    /** Each section's sampler: steps, distilled guidance, real CFG and its rescale. */
    public SamplingSettings sampling() {
        return new SamplingSettings(settings.steps, settings.distilledGuidance, settings.cfg, settings.cfgRescale);
    }

    /** TeaCache's threshold of accumulated change, 0 when it is off. */
    public double teaCacheThreshold() {
        return Boolean.TRUE.equals(settings.teaCache.enabled) ? settings.teaCache.threshold : 0;
    }
}
