package io.framepack.worker.tensor;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Constants for elementwise ops ({@code x.add(Scalars.of(1f))}) as cached 0-dim float32 CPU
 * arrays, which libtorch passes to any device's kernels as plain numbers. DJL's own
 * {@code x.add(1f)} copies the number to {@code x}'s device on every call, and on a GPU that copy
 * waits until all queued kernels have finished: the host stops running ahead of the GPU (about
 * 440 such stalls per full-size transformer forward). Like a Python scalar, a 0-dim operand never
 * widens the other operand's dtype. Pass them as the second operand only: a result attaches to
 * the first operand's manager.
 */
public final class Scalars {
    private static final NDManager MANAGER = NDManager.newBaseManager(Device.cpu());
    private static final Map<Float, NDArray> CACHE = new ConcurrentHashMap<>();

    private Scalars() {
    }

    public static NDArray of(float value) {
        return CACHE.computeIfAbsent(value, v -> MANAGER.create(v.floatValue()));
    }
}
