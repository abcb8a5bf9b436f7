package io.framepack.worker.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.framepack.worker.nn.LayerNorm;
import io.framepack.worker.nn.Parameters;
import io.framepack.worker.nn.PreNormEncoderLayer;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code SiglipVisionModel}'s {@code last_hidden_state}: non-overlapping patch convolution, learned
 * position embeddings, pre-LN encoder layers, post-LayerNorm. The attention-pooling head is not
 * loaded: FramePack uses the token states only.
 */
public final class SiglipVisionEncoder implements AutoCloseable {
    private static final String MODEL = "SigLIP image encoder";

    private final SiglipVisionConfig config;
    private final Kernels kernels;
    private final NDManager manager;
    private final NDArray patchWeight;
    private final NDArray patchBias;
    private final NDArray positions;
    private final List<PreNormEncoderLayer> layers = new ArrayList<>();
    private final LayerNorm postNorm;
    private final UnaryOperator<NDArray> toComputeDtype;

    private SiglipVisionEncoder(Parameters checkpoint, SiglipVisionConfig config, Kernels kernels) {
        this.config = config;
        this.kernels = kernels;
        this.manager = checkpoint.manager();
        Parameters tower = tower(checkpoint);
        int hidden = config.hiddenSize();
        int p = config.patchSize();
        this.patchWeight = tower.tensor("embeddings.patch_embedding.weight", hidden, config.numChannels(), p, p);
        this.patchBias = tower.tensor("embeddings.patch_embedding.bias", hidden);
        this.positions = tower.tensor("embeddings.position_embedding.weight", config.numPatches(), hidden);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new PreNormEncoderLayer(tower.scope("encoder.layers." + i), config.encoderLayer()));
        }
        this.postNorm = LayerNorm.load(tower, "post_layernorm", hidden, (float) config.layerNormEps());
        // DJL cannot name bfloat16 in toType; the kernel pack rounds the float32 pixels instead.
        this.toComputeDtype = checkpoint.precision() == Precision.BFLOAT16 ? kernels::toBfloat16
                : x -> x.toType(patchWeight.getDataType(), false);
    }

    /** Checkpoints of SiglipVisionModel carry a "vision_model." prefix; bare tower dumps do not. */
    private static Parameters tower(Parameters checkpoint) {
        return checkpoint.contains("vision_model.post_layernorm.weight") ? checkpoint.scope("vision_model") : checkpoint;
    }

    /** Loads the tower's weights onto {@code manager}'s device; close to release them. */
    public static SiglipVisionEncoder load(Weights weights, SiglipVisionConfig config, Kernels kernels,
                                           NDManager manager) {
        return Parameters.load(MODEL, weights, manager, checkpoint -> new SiglipVisionEncoder(checkpoint, config,
                kernels));
    }

    /**
     * Checks, from the safetensors headers alone, that the checkpoint holds every weight of the
     * tower {@code config} implies with the shapes it implies, and no more encoder layers; throws
     * a {@link TensorFormatException} naming the first key that is missing or misshapen. The
     * attention-pooling head FramePack does not use is not checked.
     */
    public static void checkCheckpoint(SafetensorsWeights weights, SiglipVisionConfig config) {
        Parameters headers = Parameters.shapesOnly(MODEL, weights);
        new SiglipVisionEncoder(headers, config, null);
        tower(headers).requireAllRead("encoder.");
    }

    /** {@code pixel_values [1, C, S, S]} → {@code last_hidden_state [1, patches, hidden]}. */
    public NDArray encode(NDArray pixelValues) {
        Shape shape = pixelValues.getShape();
        if (shape.dimension() != 4 || shape.get(1) != config.numChannels() || shape.get(2) != config.imageSize()
                || shape.get(3) != config.imageSize()) {
            throw new IllegalArgumentException("pixel_values must be [B, " + config.numChannels() + ", "
                    + config.imageSize() + ", " + config.imageSize() + "], got " + shape);
        }
        NDArray pixels = toComputeDtype.apply(pixelValues.toType(DataType.FLOAT32, false));
        int p = config.patchSize();
        NDArray patches = Conv2d.conv2d(pixels, patchWeight, patchBias, new Shape(p, p), new Shape(0, 0),
                new Shape(1, 1), 1).singletonOrThrow();
        long batch = shape.get(0);
        NDArray h = patches.reshape(batch, config.hiddenSize(), -1).transpose(0, 2, 1).add(positions);
        for (PreNormEncoderLayer layer : layers) {
            h = layer.forward(h, null, kernels);
        }
        return postNorm.forward(h);
    }

    @Override
    public void close() {
        manager.close();
    }
}
