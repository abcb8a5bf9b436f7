package io.framepack.worker.text;

/**
 * Token ids for one encoder, with whether the prompt was cut to fit.
 *
 * @param ids the ids the encoder receives (for CLIP including its padding)
 */
public record TokenizedPrompt(long[] ids, boolean truncated) {
}
