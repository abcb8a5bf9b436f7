package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the transformer's parameters by their official key names and checks each against the
 * shape the config implies, so a checkpoint that does not fit its config fails with the key and
 * both shapes instead of a broadcasting error deep inside a forward. Remembers what it read, so
 * keys the model never used can be reported.
 */
final class ParameterReader {
    private final Weights weights;
    private final NDManager manager;
    private final String prefix;
    private final Set<String> used;

    ParameterReader(Weights weights, NDManager manager) {
        this(weights, manager, "", new TreeSet<>());
    }

    private ParameterReader(Weights weights, NDManager manager, String prefix, Set<String> used) {
        this.weights = weights;
        this.manager = manager;
        this.prefix = prefix;
        this.used = used;
    }

    /** A reader for the sub-module {@code name}, e.g. {@code scope("transformer_blocks.3")}. */
    ParameterReader scope(String name) {
        return new ParameterReader(weights, manager, prefix + name + ".", used);
    }

    /** A parameter in compute precision. */
    NDArray tensor(String name, long... shape) {
        return checked(name, shape, false);
    }

    /** {@code name.weight [out, in]} and {@code name.bias [out]} in compute precision. */
    Linear linear(String name, long in, long out) {
        return new Linear(tensor(name + ".weight", out, in), tensor(name + ".bias", out));
    }

    /** A linear layer kept in float32 whatever the compute precision (the fp32 output head). */
    Linear linearFloat32(String name, long in, long out) {
        return new Linear(checked(name + ".weight", new long[] {out, in}, true),
                checked(name + ".bias", new long[] {out}, true));
    }

    /** Checkpoint keys under this reader's scope that no layer has read. */
    Set<String> unused() {
        Set<String> unused = new TreeSet<>();
        for (String key : weights.keys()) {
            if (key.startsWith(prefix) && !used.contains(key)) {
                unused.add(key);
            }
        }
        return unused;
    }

    private NDArray checked(String name, long[] shape, boolean float32) {
        String key = prefix + name;
        Shape expected = new Shape(shape);
        if (!weights.contains(key)) {
            throw new TensorFormatException("transformer weight " + key + " " + expected
                    + " is missing from the checkpoint");
        }
        NDArray value = float32 ? weights.getFloat32(key, manager) : weights.get(key, manager);
        if (!value.getShape().equals(expected)) {
            Shape actual = value.getShape();
            value.close();
            throw new TensorFormatException("transformer weight " + key + " has shape " + actual
                    + " in the checkpoint, but the config implies " + expected);
        }
        used.add(key);
        return value;
    }
}
