package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the VAE's weights in its compute dtype (float32 on CPU, float16 on GPU like the official
 * code) into the model's manager, checking each shape against what the config implies and
 * remembering which keys were used, so a checkpoint that does not fit its config is named.
 */
final class VaeParameters {
    private final Weights weights;
    private final DataType dtype;
    private final NDManager manager;
    private final Set<String> used = new HashSet<>();

    VaeParameters(Weights weights, DataType dtype, NDManager manager) {
        this.weights = weights;
        this.dtype = dtype;
        this.manager = manager;
    }

    /** The tensor {@code key}, which must have exactly {@code expectedShape}. */
    NDArray get(String key, long... expectedShape) {
        if (!weights.contains(key)) {
            throw new TensorFormatException("VAE weight " + key + " is missing (expected shape "
                    + Arrays.toString(expectedShape) + "; config and checkpoint disagree?)");
        }
        NDArray wide = weights.getFloat32(key, manager);
        long[] actual = wide.getShape().getShape();
        if (!Arrays.equals(actual, expectedShape)) {
            wide.close();
            throw new TensorFormatException("VAE weight " + key + " has shape " + Arrays.toString(actual)
                    + ", the config implies " + Arrays.toString(expectedShape));
        }
        used.add(key);
        if (dtype == DataType.FLOAT32) {
            return wide;
        }
        NDArray narrow = wide.toType(dtype, false);
        wide.close();
        return narrow;
    }

    boolean contains(String key) {
        return weights.contains(key);
    }

    DataType dtype() {
        return dtype;
    }

    NDManager manager() {
        return manager;
    }

    /** Keys of the checkpoint no layer read (for the encoder-only or decoder-only prefixes given). */
    Set<String> unused(String... prefixes) {
        Set<String> unused = new TreeSet<>();
        for (String key : weights.keys()) {
            if (!used.contains(key) && Arrays.stream(prefixes).anyMatch(key::startsWith)) {
                unused.add(key);
            }
        }
        return unused;
    }
}
