package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.nn.Parameters;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.WeightTransform;
import io.framepack.worker.tensor.Weights;

import java.util.Map;

/**
 * Reads the transformer's parameters by their official key names, each with the shape the config
 * implies, from a checkpoint or its safetensors headers alone (the model validating its own
 * layout) through {@link Parameters}, and counts the bytes it read. Can instead initialise every
 * parameter randomly (benchmarks of the full-size model on a machine without the checkpoint),
 * stage a block's parameters in host memory, and serve staged parameters copied onto a device.
 */
final class ParameterReader {
    private static final String MODEL = "transformer";

    /** Where parameter values come from. */
    private interface Source {
        NDArray read(String key, Shape shape, boolean float32);

        /** Throws if the source holds weights that nothing has read (a checkpoint of another config). */
        void requireAllRead();

        /** The same parameters, attached to {@code manager} (and on its device) instead. */
        Source on(NDManager manager);
    }

    private final Source source;
    private final String prefix;
    private final Precision precision;
    /** Bytes read so far by this reader and every reader scoped from it. */
    private final long[] bytesRead;

    private ParameterReader(Source source, String prefix, Precision precision, long[] bytesRead) {
        this.source = source;
        this.prefix = prefix;
        this.precision = precision;
        this.bytesRead = bytesRead;
    }

    private ParameterReader(Source source, Precision precision) {
        this(source, "", precision, new long[1]);
    }

    /**
     * Parameters from a checkpoint, each changed by {@code transform} as it is read, in its store's
     * compute precision, attached to {@code manager}.
     */
    static ParameterReader of(Weights weights, WeightTransform transform, NDManager manager) {
        return new ParameterReader(new Stored(Parameters.of(MODEL, weights, manager, transform)), weights.precision());
    }

    /**
     * Parameters that are only checked, key and shape, against the safetensors headers and come
     * back as null: building the model with them validates a checkpoint without reading a weight.
     */
    static ParameterReader shapesOnly(SafetensorsWeights weights) {
        return new ParameterReader(new Stored(Parameters.shapesOnly(MODEL, weights)), Precision.FLOAT32);
    }

    /**
     * Random parameters of the right shapes: matrices and kernels uniform in ±1/√fan_in (PyTorch's
     * default scale), norm weights 1, biases 0; for speed and memory measurements only.
     */
    static ParameterReader random(Numerics numerics, NDManager manager, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        return new ParameterReader(new RandomInit(numerics, manager), numerics.precision());
    }

    /**
     * The parameters of {@code staged} (keys as this reader named them), each copied onto the
     * device of {@code like} and attached to {@code target}: a streamed block's weights for one use.
     */
    static ParameterReader copiesOf(Map<String, NDArray> staged, Kernels kernels, NDArray like, NDManager target,
                                    Precision precision) {
        return new ParameterReader(new Copies(staged, kernels, like, target), precision);
    }

    /** A reader for the sub-module {@code name}, e.g. {@code scope("transformer_blocks.3")}. */
    ParameterReader scope(String name) {
        return new ParameterReader(source, prefix + name + ".", precision, bytesRead);
    }

    /**
     * A reader of the same parameters that attaches them to {@code host} instead and puts each
     * into {@code staged} under its full key (what {@link #copiesOf} serves again later).
     */
    ParameterReader stagingIn(NDManager host, Map<String, NDArray> staged) {
        Source onHost = source.on(host);
        return new ParameterReader(new Recording(onHost, staged), prefix, precision, bytesRead);
    }

    /** Bytes of every parameter read so far, through this reader or any scoped from the same root. */
    long bytesRead() {
        return bytesRead[0];
    }

    /** A parameter in compute precision. */
    NDArray tensor(String name, long... shape) {
        return read(name, shape, false);
    }

    /** {@code name.weight [out, in]} and {@code name.bias [out]} in compute precision. */
    Linear linear(String name, long in, long out) {
        return new Linear(tensor(name + ".weight", out, in), tensor(name + ".bias", out));
    }

    /** A linear layer kept in float32 whatever the compute precision (the fp32 output head). */
    Linear linearFloat32(String name, long in, long out) {
        return new Linear(read(name + ".weight", new long[] {out, in}, true),
                read(name + ".bias", new long[] {out}, true));
    }

    /**
     * Throws a {@link TensorFormatException} naming the checkpoint's weights that no layer has
     * read: the config describes a smaller model.
     */
    void requireAllRead() {
        source.requireAllRead();
    }

    private NDArray read(String name, long[] shape, boolean float32) {
        String key = prefix + name;
        Shape expected = new Shape(shape);
        NDArray value = source.read(key, expected, float32);
        bytesRead[0] += expected.size() * (float32 || precision == Precision.FLOAT32 ? Float.BYTES : 2);
        return value;
    }

    private record Stored(Parameters parameters) implements Source {
        @Override
        public NDArray read(String key, Shape expected, boolean float32) {
            return parameters.read(key, expected, float32);
        }

        @Override
        public void requireAllRead() {
            parameters.requireAllRead("");
        }

        @Override
        public Source on(NDManager other) {
            return new Stored(parameters.on(other));
        }
    }

    private record RandomInit(Numerics numerics, NDManager manager) implements Source {
        @Override
        public NDArray read(String key, Shape shape, boolean float32) {
            NDArray value;
            if (shape.dimension() >= 2) {
                float bound = (float) (1 / Math.sqrt(shape.size() / shape.get(0)));
                value = manager.randomUniform(-bound, bound, shape);
            } else if (key.endsWith(".weight")) {
                value = manager.ones(shape);
            } else {
                value = manager.zeros(shape);
            }
            return float32 ? value : numerics.roundReplacing(value);
        }

        @Override
        public void requireAllRead() {
            // Random parameters are all the config's own.
        }

        @Override
        public Source on(NDManager other) {
            return new RandomInit(numerics, other);
        }
    }

    private record Recording(Source source, Map<String, NDArray> staged) implements Source {
        @Override
        public NDArray read(String key, Shape shape, boolean float32) {
            NDArray value = source.read(key, shape, float32);
            staged.put(key, value);
            return value;
        }

        @Override
        public void requireAllRead() {
            source.requireAllRead();
        }

        @Override
        public Source on(NDManager other) {
            return new Recording(source.on(other), staged);
        }
    }

    private record Copies(Map<String, NDArray> staged, Kernels kernels, NDArray like, NDManager target)
            implements Source {
        @Override
        public NDArray read(String key, Shape shape, boolean float32) {
            NDArray host = staged.get(key);
            if (host == null) {
                throw new IllegalStateException("transformer weight " + key + " was not staged");
            }
            NDArray copy = kernels.copyToDeviceOf(host, like);
            copy.attach(target);
            return copy;
        }

        @Override
        public void requireAllRead() {
            // Staged copies serve what a block read before; the checkpoint was checked then.
        }

        @Override
        public Source on(NDManager other) {
            throw new UnsupportedOperationException("staged copies are not staged again");
        }
    }
}
