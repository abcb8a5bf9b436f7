package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Parameters;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.Weights;

/**
 * Reads the VAE's weights in its compute dtype (float32 on CPU, float16 on GPU like the official
 * code) into the model's manager, each checked by {@link Parameters} against the shape the config
 * implies, or draws them at random in those shapes (benchmarks without a checkpoint).
 */
final class VaeParameters {
    private static final String MODEL = "VAE";

    /** Null for random parameters. */
    private final Parameters stored;
    private final DataType dtype;
    private final NDManager manager;

    VaeParameters(Weights weights, DataType dtype, NDManager manager) {
        this(Parameters.of(MODEL, weights, manager), dtype, manager);
    }

    private VaeParameters(Parameters stored, DataType dtype, NDManager manager) {
        this.stored = stored;
        this.dtype = dtype;
        this.manager = manager;
    }

    /** Small random parameters of the right shapes: the VAE's speed and memory without a checkpoint. */
    static VaeParameters random(DataType dtype, NDManager manager) {
        return new VaeParameters((Parameters) null, dtype, manager);
    }

    /**
     * Parameters that only check keys and shapes against the safetensors headers and return null
     * arrays: building the layers with them validates a checkpoint without reading any weight.
     */
    static VaeParameters shapesOnly(SafetensorsWeights weights) {
        return new VaeParameters(Parameters.shapesOnly(MODEL, weights), DataType.FLOAT32, null);
    }

    /** The tensor {@code key}, which must have exactly {@code expectedShape}. */
    NDArray get(String key, long... expectedShape) {
        if (stored == null) {
            return manager.randomNormal(0, 0.05f, new Shape(expectedShape), DataType.FLOAT32).toType(dtype, false);
        }
        NDArray wide = stored.float32(key, expectedShape);
        if (wide == null || dtype == DataType.FLOAT32) {
            return wide;
        }
        NDArray narrow = wide.toType(dtype, false);
        wide.close();
        return narrow;
    }

    DataType dtype() {
        return dtype;
    }

    NDManager manager() {
        return manager;
    }

    /** Throws if the checkpoint has keys under {@code prefixes} (the encoder's, the decoder's) that no layer read. */
    void requireAllRead(String... prefixes) {
        if (stored != null) {
            stored.requireAllRead(prefixes);
        }
    }
}
