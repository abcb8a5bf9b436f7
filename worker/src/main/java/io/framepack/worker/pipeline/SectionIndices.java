package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The time positions of one section's tokens (RoPE's t axis): the K noisy frames and the clean
 * context frames at 1× (start image + neighbour), 2× and 4× compression.
 */
public record SectionIndices(long[] latent, long[] clean, long[] clean2x, long[] clean4x) {

    /** Consecutive positions {@code [from, from + count)}. */
    static long[] range(long from, int count) {
        long[] values = new long[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + i;
        }
        return values;
    }

    /** {@code values} as the int64 {@code [1, n]} index tensor the transformer takes. */
    static NDArray toArray(long[] values, NDManager manager) {
        return manager.create(values, new Shape(1, values.length));
    }
}
