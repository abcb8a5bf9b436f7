package io.framepack.worker.tensor;

/**
 * The arithmetic an engine runs in. The official code computes the transformer in bfloat16 on
 * CUDA; on a CPU the worker computes everything in float32, which is what the golden tensors
 * were produced with. Rounding points of the official code ("cast to bf16 here") are no-ops in
 * {@link #FLOAT32}.
 */
public enum Precision {
    FLOAT32,
    BFLOAT16
}
