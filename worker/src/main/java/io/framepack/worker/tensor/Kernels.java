package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Operations DJL 0.36 lacks or runs slowly, behind one interface so that every model calls the
 * same code on CPU and GPU: the TorchScript kernel pack where it is loaded, otherwise a pure-DJL
 * composition with the same semantics. Like DJL's own ops, every result is attached to the
 * manager of the (first) input array: callers free temporaries by closing that manager.
 */
public interface Kernels extends AutoCloseable {

    /**
     * The TorchScript kernel pack when this engine's libtorch loads it, otherwise (with a warning
     * saying why) the pure-DJL fallback, which computes in float32 only.
     */
    static Kernels load() {
        try {
            return TorchScriptKernels.load();
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(Kernels.class).warn("TorchScript kernel pack not loaded, using the DJL fallback "
                    + "(float32 only, attention materialises its score matrix): {}", e.toString());
            return new DjlKernels();
        }
    }

    /**
     * Rounds a floating array to bfloat16. The result's DJL dtype reads UNKNOWN but it works with
     * DJL's ops and {@code toType(FLOAT32)}; DJL itself can never create one.
     */
    NDArray toBfloat16(NDArray x);

    /**
     * Scaled dot-product attention {@code softmax(q kᵀ / √d + mask) v} over {@code [B, H, N, D]}.
     *
     * @param mask null, or a boolean array broadcastable to {@code [B, H, Nq, Nk]}: true = may attend
     */
    NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask);

    /**
     * GroupNorm of {@code [B, C, ...]} with a per-channel affine: statistics over each group's
     * channels and every other axis (for video, time too), in float32 inside, as {@code F.group_norm}.
     */
    NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps);

    /**
     * Replicate padding of {@code [B, C, T, H, W]}: {@code front} copies of the first frame before
     * time (none after) and {@code spatial} copies of the edge rows and columns on both sides.
     */
    NDArray replicatePad(NDArray x, int front, int spatial);

    /** Whether {@link #toBfloat16} works, i.e. bfloat16 compute is possible. */
    boolean supportsBfloat16();

    /**
     * PyTorch's fused {@code gelu(x, approximate="tanh")} in {@code x}'s dtype (float32 inside,
     * one rounding). DJL has only the erf GELU; composing the tanh form costs about eight passes
     * over the transformer's largest activations, so the kernel pack should provide it.
     */
    default NDArray geluTanh(NDArray x) {
        throw new UnsupportedOperationException("no fused tanh GELU in " + getClass().getSimpleName());
    }

    /** Whether {@link #geluTanh} is available. */
    default boolean supportsGeluTanh() {
        return false;
    }

    /**
     * A copy of {@code x} (any dtype, bfloat16 included) on the device of {@code like}, attached to
     * {@code x}'s manager. From pinned host memory to a GPU the copy is queued without waiting.
     */
    NDArray copyToDeviceOf(NDArray x, NDArray like);

    /**
     * {@code x} in page-locked host memory, where a GPU copies from fastest and without making the
     * host wait; {@code x} itself where that is not possible. Only call it on a machine with a GPU.
     */
    default NDArray pinned(NDArray x) {
        return x;
    }

    @Override
    void close();
}
