package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The desired render. Everything that defines the pixels or where they go (input, render, model,
 * output, checkpoints, resources) is immutable once created; {@code suspend}, the TTL and the
 * scheduling knobs stay mutable (scheduling changes apply to the next worker Job the operator creates).
 */
@ValidationRule(value = "has(self.model) == has(oldSelf.model) && has(self.output) == has(oldSelf.output)"
        + " && has(self.checkpoints) == has(oldSelf.checkpoints)",
        message = "model, output and checkpoints cannot be added or removed after creation")
public class VideoGenerationSpec {
    @Required
    @ValidationRule(value = "self == oldSelf", message = "input is immutable")
    public InputSpec input;

    @ValidationRule(value = "self == oldSelf", message = "render is immutable")
    public RenderSettings render = new RenderSettings();

    /** Model weights; the operator's configured default model PVC when absent. */
    @ValidationRule(value = "self == oldSelf", message = "model is immutable")
    public ModelSource model;

    /** Where the MP4 goes; the operator's configured default when absent. */
    @ValidationRule(value = "self == oldSelf", message = "output is immutable")
    public StorageLocation output;

    /** Where per-section checkpoints go; the operator's configured default when absent. */
    @ValidationRule(value = "self == oldSelf", message = "checkpoints is immutable")
    public StorageLocation checkpoints;

    @ValidationRule(value = "self == oldSelf", message = "resources is immutable")
    public WorkerResources resources = new WorkerResources();

    public Scheduling scheduling;

    /** Kueue LocalQueue; with it the worker Job starts suspended until Kueue admits it. */
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    public String queueName;

    /** Suspends the render (the worker stops after checkpointing); false resumes it. */
    public Boolean suspend = false;

    /** {@link #backoffLimit} when unset. */
    public static final int DEFAULT_BACKOFF_LIMIT = 3;

    /** Worker crashes tolerated before the render fails; preemptions never count. */
    @Min(0)
    @Max(100)
    public Integer backoffLimit = DEFAULT_BACKOFF_LIMIT;

    /** Wall-clock limit of the worker Job, suspended time excluded. */
    @Min(1)
    public Long activeDeadlineSeconds;

    /** Seconds the finished worker Job (and its pods and logs) is kept; the resource itself stays. */
    @Min(0)
    public Integer ttlSecondsAfterFinished;
}
