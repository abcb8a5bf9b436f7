/**
 * FramePack's sampler ({@code diffusers_helper/k_diffusion} and {@code sample_hunyuan} of the
 * official code), with the official float32 scalar arithmetic so that results match bit for bit
 * or to the last ulp:
 *
 * <ul>
 *   <li>{@link io.framepack.worker.sampling.SigmaSchedule} — σ from 1 to 0 with the token-count
 *       dependent flow shift (capped at 7);</li>
 *   <li>{@link io.framepack.worker.sampling.FlowMatchDenoiser} — velocity → x̂₀, real CFG with
 *       guidance rescale, timestep and guidance quantised like the model's dtype
 *       ({@link io.framepack.worker.sampling.BFloat16});</li>
 *   <li>{@link io.framepack.worker.sampling.FlowMatchUniPc} with
 *       {@link io.framepack.worker.sampling.UniPcCoefficients} — the bh1 predictor–corrector,
 *       returning the last x̂₀;</li>
 *   <li>{@link io.framepack.worker.sampling.SeededNoise} — the job's noise from libtorch's CPU
 *       generator, replayable to any section for resume;</li>
 *   <li>{@link io.framepack.worker.sampling.VelocityModel} — what the sampler needs of the
 *       transformer: a velocity for latents and timestep (the pipeline adapts the model).</li>
 * </ul>
 */
package io.framepack.worker.sampling;
