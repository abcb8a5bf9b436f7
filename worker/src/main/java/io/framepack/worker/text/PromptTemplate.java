package io.framepack.worker.text;

/**
 * A chat template that wraps the user prompt before the LLaMA encoder, and how many leading token
 * positions (everything before the user text) are cropped from the encoder's output.
 */
public record PromptTemplate(String template, int cropStart) {

    /**
     * HunyuanVideo's {@code DEFAULT_PROMPT_TEMPLATE} (diffusers v0.33.1
     * {@code pipeline_hunyuan_video.py}, reproduced byte for byte: note the missing spaces after the
     * numbered items), which FramePack uses with {@code crop_start = 95}.
     */
    public static final PromptTemplate HUNYUAN_VIDEO = new PromptTemplate(
            "<|start_header_id|>system<|end_header_id|>\n\nDescribe the video by detailing the following aspects: "
                    + "1. The main content and theme of the video."
                    + "2. The color, shape, size, texture, quantity, text, and spatial relationships of the objects."
                    + "3. Actions, events, behaviors temporal relationships, physical movement changes of the objects."
                    + "4. background environment, light, style and atmosphere."
                    + "5. camera angles, movements, and transitions used in the video:<|eot_id|>"
                    + "<|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>",
            95);

    public PromptTemplate {
        if (template.indexOf("{}") < 0 || template.indexOf("{}") != template.lastIndexOf("{}")) {
            throw new IllegalArgumentException("the template must hold exactly one {} placeholder");
        }
        if (cropStart < 0) {
            throw new IllegalArgumentException("crop_start must not be negative");
        }
    }

    /** Python's {@code template.format(prompt)}: the prompt is inserted verbatim. */
    public String apply(String prompt) {
        int at = template.indexOf("{}");
        return template.substring(0, at) + prompt + template.substring(at + 2);
    }
}
