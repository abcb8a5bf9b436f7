package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The start image and the text that drives the motion. */
public class InputSpec {
    @Required
    public ImageSource image;

    @Required
    @Size(max = Formats.PROMPT_MAX)
    @ValidationRule(value = "self.matches(r'" + Formats.NOT_BLANK + "')",
            message = "spec.input.prompt must describe the motion: it is empty or only white space")
    public String prompt;

    @Size(max = Formats.PROMPT_MAX)
    public String negativePrompt = "";
}
