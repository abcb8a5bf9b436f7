/**
 * Timed prompts: FramePack-Studio's {@code [0s: text] [2s-4s: text]} syntax ({@link TimedPromptParser},
 * strict where the reference silently degrades) and the prompt, or blend of two prompts, each section
 * of a render is conditioned on ({@link PromptTimeline}), exactly as FramePack-Studio chooses them for
 * the inverted and the F1 schedule. Pure arithmetic: no engine, no model.
 */
package io.framepack.worker.prompt;
