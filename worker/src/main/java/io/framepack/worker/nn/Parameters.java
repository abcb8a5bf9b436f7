package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.WeightTransform;
import io.framepack.worker.tensor.Weights;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A model's weights, read by their official key names, each with the shape that the layer using
 * it declares where it is built: a model's weight layout is written once, in its layers. Reads
 * either values from a checkpoint (a misfit is named with both shapes, not a broadcasting error
 * deep inside a forward) or only the safetensors headers, where every array comes back null:
 * building a model that way checks a checkpoint against its config without reading a weight.
 * Remembers which keys were read, so weights the config does not use can be named.
 *
 * <p>Every checkpoint value of every model enters through {@link #read}: the one place where a
 * transform of stored weights per key (merging a LoRA, {@link WeightTransform}) is applied.
 */
public final class Parameters {
    private final String model;
    private final Weights weights;
    /** Null when only the headers are read. */
    private final NDManager manager;
    /** Non-null when only the headers are read. */
    private final SafetensorsWeights headers;
    private final String prefix;
    /** Full keys read so far, shared by every scope of one model. */
    private final Set<String> read;
    private final WeightTransform transform;

    private Parameters(String model, Weights weights, NDManager manager, SafetensorsWeights headers, String prefix,
                       Set<String> read, WeightTransform transform) {
        this.model = model;
        this.weights = weights;
        this.manager = manager;
        this.headers = headers;
        this.prefix = prefix;
        this.read = read;
        this.transform = transform;
    }

    /**
     * The values of {@code weights} in their store's compute precision, attached to
     * {@code manager}; {@code model} names the model in error messages, e.g. "VAE".
     */
    public static Parameters of(String model, Weights weights, NDManager manager) {
        return of(model, weights, manager, WeightTransform.NONE);
    }

    /** As {@link #of(String, Weights, NDManager)}, each value changed by {@code transform} as it is read. */
    public static Parameters of(String model, Weights weights, NDManager manager, WeightTransform transform) {
        return new Parameters(model, weights, manager, null, "", new HashSet<>(), transform);
    }

    /** Only the keys and shapes of {@code weights}' headers: every read checks and returns null. */
    public static Parameters shapesOnly(String model, SafetensorsWeights weights) {
        return new Parameters(model, weights, null, weights, "", new HashSet<>(), WeightTransform.NONE);
    }

    /**
     * Builds a model from {@code weights} whose arrays live in a new child manager of
     * {@code parent} (the model's own, see {@link #manager()}); the child is closed again if the
     * weights do not fit.
     */
    public static <T> T load(String model, Weights weights, NDManager parent, Function<Parameters, T> build) {
        NDManager manager = parent.newSubManager();
        try {
            return build.apply(of(model, weights, manager));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The parameters of sub-module {@code name}, e.g. {@code scope("encoder.layers.3")}. */
    public Parameters scope(String name) {
        return new Parameters(model, weights, manager, headers, prefix + name + ".", read, transform);
    }

    /** The same parameters, their values attached to {@code other} (and on its device) instead. */
    public Parameters on(NDManager other) {
        return headers != null ? this : new Parameters(model, weights, other, null, prefix, read, transform);
    }

    /** The manager values are attached to; null when only the headers are read. */
    public NDManager manager() {
        return manager;
    }

    /** The compute precision of the values; float32 when only the headers are read (nothing is computed). */
    public Precision precision() {
        return headers != null ? Precision.FLOAT32 : weights.precision();
    }

    /** Whether the checkpoint holds {@code name}: for telling checkpoint layouts apart, e.g. a key prefix. */
    public boolean contains(String name) {
        return weights.contains(prefix + name);
    }

    /** The parameter {@code name} in compute precision, which must have exactly {@code shape}. */
    public NDArray tensor(String name, long... shape) {
        return read(name, new Shape(shape), false);
    }

    /** The parameter {@code name} widened to float32, which must have exactly {@code shape}. */
    public NDArray float32(String name, long... shape) {
        return read(name, new Shape(shape), true);
    }

    /**
     * The parameter {@code name} (under this scope), which must have exactly {@code expected}: in
     * float32 or the compute precision, or null when only the headers are read. A missing or
     * misshapen key is a {@link TensorFormatException} naming it with both shapes.
     */
    public NDArray read(String name, Shape expected, boolean float32) {
        String key = prefix + name;
        if (!weights.contains(key)) {
            throw new TensorFormatException(model + " weight " + key + " " + expected + " is missing from the checkpoint");
        }
        NDArray value = null;
        Shape stored;
        if (headers != null) {
            stored = new Shape(headers.shape(key));
        } else if (transform.changes(key)) {
            // In float32 from the stored value, rounded to the compute precision once at the end.
            NDArray changed = transform.apply(key, weights.getFloat32(key, manager));
            value = float32 ? changed : weights.inComputePrecision(changed);
            stored = value.getShape();
        } else {
            value = float32 ? weights.getFloat32(key, manager) : weights.get(key, manager);
            stored = value.getShape();
        }
        if (!stored.equals(expected)) {
            if (value != null) {
                value.close();
            }
            throw new TensorFormatException(model + " weight " + key + " has shape " + stored
                    + " in the checkpoint, but the config implies " + expected);
        }
        read.add(key);
        return value;
    }

    /** Keys of the checkpoint under this scope and one of {@code under} (e.g. "layers.") that nothing has read. */
    public Set<String> unread(String... under) {
        Set<String> unread = new TreeSet<>();
        for (String key : weights.keys()) {
            if (!read.contains(key) && Arrays.stream(under).anyMatch(u -> key.startsWith(prefix + u))) {
                unread.add(key);
            }
        }
        return unread;
    }

    /**
     * Throws a {@link TensorFormatException} listing the first keys of {@link #unread} if there
     * are any: weights of the model that its config does not use (e.g. more layers).
     */
    public void requireAllRead(String... under) {
        Set<String> unread = unread(under);
        if (!unread.isEmpty()) {
            throw new TensorFormatException("the " + model + " checkpoint has " + unread.size()
                    + " weights its config does not use (config and checkpoint disagree?): "
                    + unread.stream().limit(10).toList());
        }
    }
}
