/**
 * FramePack's packed HunyuanVideo transformer, laid out like the official module
 * ({@code diffusers_helper/models/hunyuan_video_packed.py}):
 *
 * <ul>
 *   <li>{@link io.framepack.worker.transformer.PackedTransformer} — the model: construction from a
 *       checkpoint and its {@code config.json} ({@link io.framepack.worker.transformer.TransformerConfig}),
 *       {@code forward}, TeaCache control;</li>
 *   <li>{@code PatchEmbedders} / {@code PatchConv} / {@code Rope} / {@code Grid3d} — latents to the packed
 *       token sequence {@code [4×, 2×, 1×, noisy]} and its RoPE table (pooled for compressed contexts);</li>
 *   <li>{@code ConditioningEmbedder} / {@code TimestepProjection} — the vector {@code c} from timestep,
 *       guidance and CLIP pooled text; {@code TokenRefiner} / {@code TokenRefinerBlock} — the LLaMA
 *       states refined into context tokens;</li>
 *   <li>{@code DualStreamBlock} / {@code SingleStreamBlock} with {@code QkvProjection}, {@code Heads},
 *       {@code AdaLayerNorm}, {@code Mlp}; {@code OutputHead} — norm_out, fp32 proj_out, unpatchify;</li>
 *   <li>{@code TeaCache} — step skipping; {@link io.framepack.worker.tensor.Numerics} — every dtype rounding point;
 *       {@code ParameterReader} — weights by official key with shape checks. Temporaries are freed at
 *       their last use with {@link io.framepack.worker.tensor.Scratch}.</li>
 * </ul>
 */
package io.framepack.worker.transformer;
