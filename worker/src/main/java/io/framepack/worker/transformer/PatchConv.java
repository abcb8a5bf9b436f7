package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** A {@code Conv3d} whose stride equals its kernel: cuts a video latent into patches and embeds each. */
final class PatchConv {
    private final NDArray weight;
    private final NDArray bias;
    private final Shape kernel;

    private PatchConv(NDArray weight, NDArray bias, Shape kernel) {
        this.weight = weight;
        this.bias = bias;
        this.kernel = kernel;
    }

    static PatchConv load(ParameterReader params, int in, int out, int kt, int kh, int kw) {
        return new PatchConv(params.tensor("weight", out, in, kt, kh, kw), params.tensor("bias", out),
                new Shape(kt, kh, kw));
    }

    /** {@code [B, C, T, H, W]} (sides multiples of the kernel, checked by the caller) → {@code [B, d, T/kt, H/kh, W/kw]}. */
    NDArray grid(NDArray latents) {
        return latents.getNDArrayInternal().convolution(latents, weight, bias, kernel, new Shape(0, 0, 0),
                new Shape(1, 1, 1), 1).singletonOrThrow();
    }

    /** Patch tokens {@code [B, N, d]} in t-major order. */
    NDArray tokens(NDArray latents) {
        return Grid3d.toTokens(grid(latents));
    }
}
