package io.framepack.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The desired render. Only {@code suspend} may change after creation: everything else defines the
 * pixels, where they go or the worker Job, which the operator creates once. Each field's rule also
 * sees a field (or a whole section) being added or removed, which a rule on the field itself cannot.
 */
@ValidationRule(value = "has(self.input) == has(oldSelf.input) && (!has(self.input) || self.input == oldSelf.input)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".input")
@ValidationRule(value = "has(self.render) == has(oldSelf.render) && (!has(self.render) || self.render == oldSelf.render)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".render")
@ValidationRule(value = "has(self.model) == has(oldSelf.model) && (!has(self.model) || self.model == oldSelf.model)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".model")
@ValidationRule(value = "has(self.output) == has(oldSelf.output) && (!has(self.output) || self.output == oldSelf.output)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".output")
@ValidationRule(value = "has(self.checkpoints) == has(oldSelf.checkpoints)"
        + " && (!has(self.checkpoints) || self.checkpoints == oldSelf.checkpoints)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".checkpoints")
@ValidationRule(value = "has(self.from) == has(oldSelf.from) && (!has(self.from) || self.from == oldSelf.from)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".from")
@ValidationRule(value = "has(self.resources) == has(oldSelf.resources) && (!has(self.resources) || self.resources == oldSelf.resources)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".resources")
@ValidationRule(value = "has(self.scheduling) == has(oldSelf.scheduling)"
        + " && (!has(self.scheduling) || self.scheduling == oldSelf.scheduling)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".scheduling")
@ValidationRule(value = "has(self.queueName) == has(oldSelf.queueName) && (!has(self.queueName) || self.queueName == oldSelf.queueName)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".queueName")
@ValidationRule(value = "has(self.backoffLimit) == has(oldSelf.backoffLimit)"
        + " && (!has(self.backoffLimit) || self.backoffLimit == oldSelf.backoffLimit)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".backoffLimit")
@ValidationRule(value = "has(self.activeDeadlineSeconds) == has(oldSelf.activeDeadlineSeconds)"
        + " && (!has(self.activeDeadlineSeconds) || self.activeDeadlineSeconds == oldSelf.activeDeadlineSeconds)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".activeDeadlineSeconds")
@ValidationRule(value = "has(self.ttlSecondsAfterFinished) == has(oldSelf.ttlSecondsAfterFinished)"
        + " && (!has(self.ttlSecondsAfterFinished) || self.ttlSecondsAfterFinished == oldSelf.ttlSecondsAfterFinished)",
        message = VideoGenerationSpec.IMMUTABLE, fieldPath = ".ttlSecondsAfterFinished")
@ValidationRule(value = "(!" + VideoGenerationSpec.IMAGE_SECRET + " || !" + VideoGenerationSpec.OUTPUT_SECRET
        + " || self.input.image.s3.credentialsSecret == self.output.s3.credentialsSecret)"
        + " && (!" + VideoGenerationSpec.IMAGE_SECRET + " || !" + VideoGenerationSpec.CHECKPOINT_SECRET
        + " || self.input.image.s3.credentialsSecret == self.checkpoints.s3.credentialsSecret)"
        + " && (!" + VideoGenerationSpec.OUTPUT_SECRET + " || !" + VideoGenerationSpec.CHECKPOINT_SECRET
        + " || self.output.s3.credentialsSecret == self.checkpoints.s3.credentialsSecret)",
        message = "the S3 locations (input image, output, checkpoints) must all name the same credentialsSecret, or none:"
                + " the worker gets one set of S3 credentials")
@ValidationRule(value = "!has(self.input) || !has(self.input.endImage) || !has(self.render) || !has(self.render.variant)"
        + " || self.render.variant != 'f1'",
        message = "spec.input.endImage needs render.variant inverted: F1 renders forward from the start image and has no"
                + " end frame (neither diffusers nor FramePack-Studio support one)", fieldPath = ".input.endImage")
@ValidationRule(value = "!" + VideoGenerationSpec.END_IMAGE_SECRET
        + " || ((!" + VideoGenerationSpec.IMAGE_SECRET + " || self.input.image.s3.credentialsSecret == self.input.endImage.s3.credentialsSecret)"
        + " && (!" + VideoGenerationSpec.OUTPUT_SECRET + " || self.output.s3.credentialsSecret == self.input.endImage.s3.credentialsSecret)"
        + " && (!" + VideoGenerationSpec.CHECKPOINT_SECRET
        + " || self.checkpoints.s3.credentialsSecret == self.input.endImage.s3.credentialsSecret))",
        message = "spec.input.endImage.s3 must name the same credentialsSecret as the other S3 locations, or none:"
                + " the worker gets one set of S3 credentials")
@ValidationRule(value = "!has(self.input) || !has(self.input.video)"
        + " || (has(self.render) && has(self.render.variant) && self.render.variant == 'f1')",
        message = "spec.input.video: extending a video samples forward from its end: set spec.render.variant to f1"
                + " (inverted sampling renders the end first)")
public class VideoGenerationSpec implements LenientDeserializer.Unreadable {
    static final String IMMUTABLE = "is immutable (it cannot be changed, added or removed after creation; only spec.suspend can):"
            + " delete the VideoGeneration and create it again";
    static final String IMAGE_SECRET = "(has(self.input) && has(self.input.image) && has(self.input.image.s3)"
            + " && has(self.input.image.s3.credentialsSecret))";
    static final String END_IMAGE_SECRET = "(has(self.input) && has(self.input.endImage) && has(self.input.endImage.s3)"
            + " && has(self.input.endImage.s3.credentialsSecret))";
    static final String OUTPUT_SECRET = "(has(self.output) && has(self.output.s3) && has(self.output.s3.credentialsSecret))";
    static final String CHECKPOINT_SECRET = "(has(self.checkpoints) && has(self.checkpoints.s3)"
            + " && has(self.checkpoints.s3.credentialsSecret))";

    @Required
    public InputSpec input;

    public RenderSettings render = new RenderSettings();

    /** Model weights; the operator's configured default model PVC when absent. */
    public ModelSource model;

    /** Where the MP4 goes; the operator's configured default when absent. */
    public StorageLocation output;

    /** Where per-section checkpoints go; the operator's configured default when absent. */
    public StorageLocation checkpoints;

    /** The earlier render this one re-rolls from one of its sections; absent: a render from the first section. */
    public RerollSource from;

    public WorkerResources resources = new WorkerResources();

    public Scheduling scheduling;

    /** Kueue LocalQueue; with it the worker Job starts suspended until Kueue admits it. */
    @Size(max = Formats.DNS_LABEL_MAX)
    @ValidationRule(value = "self.matches(r'" + Formats.DNS_LABEL + "')", messageExpression = Formats.SHOW_START
            + "queueName must be the name of a Kueue LocalQueue: at most 63 lower-case letters, digits and '-',"
            + " starting and ending with a letter or digit" + Formats.SHOW_END)
    public String queueName;

    /** Suspends the render (the worker stops after checkpointing); false resumes it. */
    public Boolean suspend = false;

    /** {@link #backoffLimit} when unset. */
    public static final int DEFAULT_BACKOFF_LIMIT = 3;
    public static final int MAX_BACKOFF_LIMIT = 100;

    /** Worker crashes tolerated before the render fails; preemptions never count. */
    @Min(0)
    @Max(MAX_BACKOFF_LIMIT)
    public Integer backoffLimit = DEFAULT_BACKOFF_LIMIT;

    /** Wall-clock limit of the worker Job, suspended time excluded. */
    @Min(1)
    @Max(Formats.INT_MAX)
    public Long activeDeadlineSeconds;

    /** Seconds the finished worker Job (and its pods and logs) is kept; the resource itself stays. */
    @Min(0)
    @Max(Formats.INT_MAX)
    public Integer ttlSecondsAfterFinished;

    /**
     * Why the stored spec could not be read into this model (then all else is unset); null when it could.
     * Not in the CRD; serialized only so that it survives the operator framework's copies of the resource.
     */
    @SchemaFrom(type = void.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String unreadable;

    @Override
    public void unreadable(String why) {
        unreadable = why;
    }
}
