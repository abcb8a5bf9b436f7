package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Set;

/**
 * Named model parameters, read lazily from safetensors files with the official key names.
 * Arrays come back on the store's device in the store's compute precision (float32 on CPU,
 * bfloat16 on CUDA), attached to the caller's manager so a component frees them when it closes.
 */
public interface Weights {

    /** The parameter {@code key}, in compute precision; a missing key is an error naming it. */
    NDArray get(String key, NDManager manager);

    /** The parameter {@code key} widened to float32, whatever the file and compute precision. */
    NDArray getFloat32(String key, NDManager manager);

    /**
     * A float32 array (a weight changed by a {@link WeightTransform}) in the store's compute
     * precision; {@code float32} is closed when rounding made a new array.
     */
    NDArray inComputePrecision(NDArray float32);

    boolean contains(String key);

    Set<String> keys();

    Precision precision();
}
