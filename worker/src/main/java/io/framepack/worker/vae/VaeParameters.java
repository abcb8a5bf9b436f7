package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads the VAE's weights in its compute dtype (float32 on CPU, float16 on GPU like the official
 * code) into the model's manager, checking each shape against what the config implies and
 * remembering which keys were used, so a checkpoint that does not fit its config is named.
 */
final class VaeParameters {
    private final Weights weights;
    private final DataType dtype;
    private final NDManager manager;
    /** Non-null in a shape-only check: reads stored shapes instead of tensors. */
    private final Function<String, long[]> storedShape;
    /** With no weights: each parameter drawn at random in the shape the config implies (benchmarks). */
    private final boolean random;
    private final Set<String> used = new HashSet<>();

    VaeParameters(Weights weights, DataType dtype, NDManager manager) {
        this(weights, dtype, manager, null, false);
    }

    private VaeParameters(Weights weights, DataType dtype, NDManager manager, Function<String, long[]> storedShape,
                          boolean random) {
        this.weights = weights;
        this.dtype = dtype;
        this.manager = manager;
        this.storedShape = storedShape;
        this.random = random;
    }

    /** Small random parameters of the right shapes: the VAE's speed and memory without a checkpoint. */
    static VaeParameters random(DataType dtype, NDManager manager) {
        return new VaeParameters(null, dtype, manager, null, true);
    }

    /**
     * Parameters that only check keys and shapes against the safetensors headers and return null
     * arrays: building the layers with them validates a checkpoint without reading any weight.
     */
    static VaeParameters shapesOnly(SafetensorsWeights weights) {
        return new VaeParameters(weights, DataType.FLOAT32, null, weights::shape, false);
    }

    /** The tensor {@code key}, which must have exactly {@code expectedShape}. */
    NDArray get(String key, long... expectedShape) {
        if (random) {
            return manager.randomNormal(0, 0.05f, new Shape(expectedShape), DataType.FLOAT32).toType(dtype, false);
        }
        if (!weights.contains(key)) {
            throw new TensorFormatException("VAE weight " + key + " is missing (expected shape "
                    + Arrays.toString(expectedShape) + "; config and checkpoint disagree?)");
        }
        if (storedShape != null) {
            checkShape(key, storedShape.apply(key), expectedShape);
            used.add(key);
            return null;
        }
        NDArray wide = weights.getFloat32(key, manager);
        try {
            checkShape(key, wide.getShape().getShape(), expectedShape);
        } catch (TensorFormatException e) {
            wide.close();
            throw e;
        }
        used.add(key);
        if (dtype == DataType.FLOAT32) {
            return wide;
        }
        NDArray narrow = wide.toType(dtype, false);
        wide.close();
        return narrow;
    }

    private static void checkShape(String key, long[] actual, long[] expectedShape) {
        if (!Arrays.equals(actual, expectedShape)) {
            throw new TensorFormatException("VAE weight " + key + " has shape " + Arrays.toString(actual)
                    + ", the config implies " + Arrays.toString(expectedShape));
        }
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
        for (String key : random ? Set.<String>of() : weights.keys()) {
            if (!used.contains(key) && Arrays.stream(prefixes).anyMatch(key::startsWith)) {
                unused.add(key);
            }
        }
        return unused;
    }
}
