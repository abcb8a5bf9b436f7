package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The start image and the text that drives the motion. */
public class InputSpec {
    @Required
    public ImageSource image;

    @Required
    @Size(min = 1, max = 4096)
    public String prompt;

    @Size(max = 4096)
    public String negativePrompt = "";
}
