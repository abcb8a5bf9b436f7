package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.List;

/**
/**
 * The start image (or a video to extend) and the text that drives the motion: one prompt for the
 * whole video, or timed prompts, never both. Optionally the image the video ends on.
 */
@ValidationRule(value = "has(self.prompt) != has(self.prompts)",
        message = "spec.input: set exactly one of prompt (the whole video) or prompts (timed prompts, the first at 0s)")
@ValidationRule(value = "has(self.image) != has(self.video)",
        message = "spec.input: set exactly one of image (the start frame) or video (an MP4 the render extends)")
@ValidationRule(value = "!has(self.endImageStrength) || has(self.endImage)",
        message = "spec.input.endImageStrength needs spec.input.endImage")
@ValidationRule(value = "!has(self.endImage) || !has(self.endImage.inline) || !has(self.image) || !has(self.image.inline)"
        + " || self.image.inline.size() + self.endImage.inline.size() <= " + Formats.INLINE_IMAGE_MAX,
        message = "spec.input: inline start and end images together must stay within " + Formats.INLINE_IMAGE_MAX
                + " base64 characters (both travel in the job ConfigMap); put one on a PVC, S3 or a URL")
public class InputSpec {
    /** {@link #endImageStrength} when absent: the end latent as it is (diffusers' last_image). */
    public static final double DEFAULT_END_IMAGE_STRENGTH = 1.0;

    /** The start frame; absent when the render extends {@link #video}. */
    public ImageSource image;

    /** An MP4 the render continues forward (FramePack-Studio's video extension; render.variant f1). */
    public VideoSource video;

    /** FramePack-Studio's "number of context frames" of a video extension: the 1x context, start latent included. */
    @Min(Formats.VIDEO_CONTEXT_FRAMES_MIN)
    @Max(Formats.VIDEO_CONTEXT_FRAMES_MAX)
    public Integer videoContextFrames;

    /**
     * The image the video ends on, from the same sources as {@link #image}; inverted sampling only
     * (F1 renders forward and is refused).
     */
    public ImageSource endImage;

    /** FramePack-Studio's end-frame strength: the end latent is multiplied by it; 1 when absent. */
    @Min(0)
    @Max(1)
    public Double endImageStrength;

    @Size(max = Formats.PROMPT_MAX)
    @ValidationRule(value = "self.matches(r'" + Formats.NOT_BLANK + "')",
            message = "spec.input.prompt must describe the motion: it is empty or only white space")
    public String prompt;

    /** Prompts by time, starts strictly increasing (checked by the operator), the first at 0s. */
    @Size(min = 1, max = Formats.TIMED_PROMPTS_MAX)
    @ValidationRule(value = "self.size() == 0 || self[0].start.matches(r'" + Formats.ZERO_START + "')",
            message = "spec.input.prompts: the first prompt must start at 0s")
    public List<TimedPromptSpec> prompts;

    /** Sections over which a prompt change is blended (FramePack-Studio's prompt blending); 0 or absent: none. */
    @Min(0)
    @Max(Formats.PROMPT_BLEND_SECTIONS_MAX)
    public Integer promptBlendSections;

    @Size(max = Formats.PROMPT_MAX)
    public String negativePrompt = "";
}
