package io.framepack.worker.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.Norms;
import io.framepack.worker.nn.PreNormEncoderLayer;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
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
    private final SiglipVisionConfig config;
    private final Kernels kernels;
    private final NDManager manager;
    private final NDArray patchWeight;
    private final NDArray patchBias;
    private final NDArray positions;
    private final List<PreNormEncoderLayer> layers = new ArrayList<>();
    private final NDArray postNormWeight;
    private final NDArray postNormBias;
    private final UnaryOperator<NDArray> toComputeDtype;

    private SiglipVisionEncoder(Weights weights, SiglipVisionConfig config, Kernels kernels, NDManager parent) {
        this.config = config;
        this.kernels = kernels;
        this.manager = parent.newSubManager();
        // Checkpoints of SiglipVisionModel carry a "vision_model." prefix; bare tower dumps do not.
        Weights w = weights.contains("vision_model.post_layernorm.weight") ? weights.scope("vision_model") : weights;
        this.patchWeight = w.get("embeddings.patch_embedding.weight", manager);
        this.patchBias = w.get("embeddings.patch_embedding.bias", manager);
        this.positions = w.get("embeddings.position_embedding.weight", manager);
        if (positions.getShape().get(0) != config.numPatches()) {
            throw new IllegalArgumentException("position_embedding has " + positions.getShape().get(0)
                    + " rows but the config implies " + config.numPatches() + " patches");
        }
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(PreNormEncoderLayer.load(w.scope("encoder.layers." + i), manager,
                    config.numAttentionHeads(), (float) config.layerNormEps(),
                    EncoderOps.activation(config.hiddenAct())));
        }
        this.postNormWeight = w.get("post_layernorm.weight", manager);
        this.postNormBias = w.get("post_layernorm.bias", manager);
        // DJL cannot name bfloat16 in toType; the kernel pack rounds the float32 pixels instead.
        this.toComputeDtype = weights.precision() == Precision.BFLOAT16 ? kernels::toBfloat16
                : x -> x.toType(patchWeight.getDataType(), false);
    }

    /** Loads the tower's weights onto {@code manager}'s device; close to release them. */
    public static SiglipVisionEncoder load(Weights weights, SiglipVisionConfig config, Kernels kernels,
                                           NDManager manager) {
        return new SiglipVisionEncoder(weights, config, kernels, manager);
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
        return Norms.layerNorm(h, postNormWeight, postNormBias, (float) config.layerNormEps());
    }

    @Override
    public void close() {
        manager.close();
    }
}
