package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A LoRA for the transformer (safetensors, diffusers/PEFT or kohya/musubi-tuner names), merged into
 * its weights at load with {@code scale}: a file in a claim or an S3 object, exactly one.
 */
@ValidationRule(value = "(has(self.pvc) ? 1 : 0) + (has(self.s3) ? 1 : 0) == 1",
        message = "spec.model.loras: each LoRA needs exactly one of pvc or s3")
public class LoraSource {
    /** A file inside a PersistentVolumeClaim. */
    @ValidationRule(value = "has(self.path) && self.path.size() > 0", message = "spec.model.loras[].pvc.path must name the LoRA file")
    public PvcLocation pvc;
    /** An S3 object; {@code prefix} holds the full key. The worker downloads it. */
    @ValidationRule(value = "has(self.prefix) && self.prefix.size() > 0", message = "spec.model.loras[].s3.prefix must hold the object key")
    public S3Location s3;
    /** The LoRA's multiplier (musubi-tuner's {@code lora_multiplier}, FramePack-Studio's weight). */
    @Default("1.0")
    @Min(-Formats.LORA_SCALE_MAX)
    @Max(Formats.LORA_SCALE_MAX)
    public Double scale = 1.0;
}
