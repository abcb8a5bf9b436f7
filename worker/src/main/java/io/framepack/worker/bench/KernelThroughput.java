package io.framepack.worker.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Kernels;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Throughput of the two operations that dominate a transformer forward, as the worker runs them
 * (DJL with the kernel pack, bfloat16 on a GPU): a square matrix product and scaled-dot-product
 * attention at FramePack's full-size sequence. {@code worker/kernels/torch_throughput.py} measures
 * the same shapes in PyTorch for comparison. Run as {@code framepack-worker bench kernels}.
 */
public final class KernelThroughput {
    private KernelThroughput() {
    }

    /**
     * @param n      side of the square matrices multiplied
     * @param tokens sequence length of the attention (18,293 for a full-size section at 640)
     */
    public static void run(boolean gpu, long n, long tokens, long heads, long headDim) {
        Device device = gpu ? Device.gpu() : Device.cpu();
        try (Kernels kernels = Kernels.load(); NDManager manager = NDManager.newBaseManager(device)) {
            boolean bf16 = kernels.supportsBfloat16() && device.isGpu();
            String dtype = bf16 ? "bfloat16" : "float32";
            NDArray a = random(manager, kernels, bf16, new Shape(n, n));
            NDArray b = random(manager, kernels, bf16, new Shape(n, n));
            double matmul = time(() -> a.matMul(b), 3, 20);
            report("matmul %dx%dx%d %s".formatted(n, n, n, dtype), matmul, 2.0 * n * n * n);
            Shape qkv = new Shape(1, heads, tokens, headDim);
            NDArray q = random(manager, kernels, bf16, qkv);
            NDArray k = random(manager, kernels, bf16, qkv);
            NDArray v = random(manager, kernels, bf16, qkv);
            double sdpa = time(() -> kernels.attention(q, k, v, null), 2, 10);
            report("sdpa %dx%dx%d %s".formatted(heads, tokens, headDim, dtype), sdpa,
                    4.0 * heads * tokens * tokens * headDim);
        }
    }

    private static NDArray random(NDManager manager, Kernels kernels, boolean bf16, Shape shape) {
        NDArray x = manager.randomNormal(shape);
        return bf16 ? kernels.toBfloat16(x) : x;
    }

    /**
     * Mean seconds per call over {@code runs} calls queued back to back after {@code warmup}, waited
     * for once at the end by reading one element (so host-side launch latency overlaps device work,
     * as in a model forward).
     */
    private static double time(Supplier<NDArray> op, int warmup, int runs) {
        for (int i = 0; i < warmup; i++) {
            try (NDArray out = op.get()) {
                waitFor(out);
            }
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            try (NDArray out = op.get()) {
                if (i == runs - 1) {
                    waitFor(out);
                }
            }
        }
        return (System.nanoTime() - start) / 1e9 / runs;
    }

    private static void waitFor(NDArray out) {
        out.flatten().get(0).toType(DataType.FLOAT32, false).getFloat();
    }

    private static void report(String what, double seconds, double flops) {
        System.out.printf(Locale.ROOT, "%-40s %8.3f ms  %7.1f TFLOP/s%n", what, seconds * 1e3, flops / seconds / 1e12);
    }
}
