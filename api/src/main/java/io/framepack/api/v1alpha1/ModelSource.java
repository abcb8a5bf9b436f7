package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Required;

/** A volume with the official Hugging Face folders (HunyuanVideo, FramePack transformers, SigLIP). */
public class ModelSource {
    @Required
    public PvcLocation pvc;
}
