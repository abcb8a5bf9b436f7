/**
 * FramePack's section loop (the official demos' {@code worker} function):
 *
 * <ul>
 *   <li>{@link io.framepack.worker.pipeline.SectionSchedule} — section count and order:
 *       {@link io.framepack.worker.pipeline.InvertedSchedule} (anti-drifting, end of the video
 *       first, latent paddings) and {@link io.framepack.worker.pipeline.F1Schedule} (forward);
 *       each decides the token positions ({@link io.framepack.worker.pipeline.SectionIndices}),
 *       the 1×/2×/4× context taken from the latent history, where new latents go and how decoded
 *       pixels are joined ({@link io.framepack.worker.pipeline.SoftAppend});</li>
 *   <li>{@link io.framepack.worker.pipeline.SectionLoop} — per section: noise, context packing,
 *       UniPC sampling, history update, decode and blend, with step/section events
 *       ({@link io.framepack.worker.pipeline.GenerationListener}, which stops the job by throwing);</li>
 *   <li>{@link io.framepack.worker.pipeline.SectionLoopState} — everything carried between
 *       sections, as named tensors and scalars for checkpoints and exact resume;</li>
 *   <li>{@link io.framepack.worker.pipeline.EndFrame} — the image the video ends on (inverted
 *       schedule only): the first section's 1× context, as diffusers places {@code last_image};</li>
 *   <li>{@link io.framepack.worker.pipeline.Conditioning}, {@link io.framepack.worker.pipeline.VideoDecoder},
 *       {@link io.framepack.worker.pipeline.TransformerVelocity} — the encoders', VAE's and
 *       transformer's side of the loop: the models know nothing of the pipeline, which adapts them.</li>
 * </ul>
 */
package io.framepack.worker.pipeline;
