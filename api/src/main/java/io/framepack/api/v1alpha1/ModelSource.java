package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Size;

import java.util.List;

/**
 * A volume with the official Hugging Face folders (HunyuanVideo, FramePack transformers, SigLIP),
 * and the LoRAs merged into the transformer. Without {@code pvc} the operator's default model volume is used.
 */
public class ModelSource {
    public PvcLocation pvc;
    /** Merged at load in this order; part of the model's identity in checkpoints. */
    @Size(min = 1, max = Formats.LORAS_MAX)
    public List<LoraSource> loras;
}
