package io.framepack.worker.prompt;

/**
 * The conditioning of one section: the prompt of its time position, or a blend of two prompts'
 * embeddings {@code (1 − alpha)·from + alpha·to} (LLaMA states and CLIP pooled; the mask stays
 * {@code from}'s). Prompts are indices into {@link PromptTimeline#prompts()}.
 */
public record SectionPrompt(double timePosition, int prompt, Blend blend) {

    /** A blend of two different prompts. */
    public record Blend(int from, int to, double alpha) {
    }

    public boolean blended() {
        return blend != null;
    }

    /** The weight of each of {@code promptCount} prompts in this section's embedding. */
    public double[] weights(int promptCount) {
        double[] weights = new double[promptCount];
        if (blend == null) {
            weights[prompt] = 1;
        } else {
            weights[blend.from()] += 1 - blend.alpha();
            weights[blend.to()] += blend.alpha();
        }
        return weights;
    }
}
