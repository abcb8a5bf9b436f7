package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.nn.EncoderOps;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.nn.Norms;
import io.framepack.worker.nn.Parameters;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The LLaMA text encoder as HunyuanVideo uses it: {@code LlamaModel(...).hidden_states[-(skip + 1)]},
 * the residual stream after all but the last {@code skip} decoder layers, without the final norm.
 * Only those layers are loaded and run. Input is the real tokens only (no padding): LLaMA is
 * causal, so right padding never changes the states of real tokens.
 */
public final class LlamaTextEncoder implements AutoCloseable {
    /** HunyuanVideo reads {@code hidden_states[-3]}: two layers are skipped. */
    public static final int HUNYUAN_SKIPPED_LAYERS = 2;
    private static final String MODEL = "LLaMA text encoder";

    private final LlamaConfig config;
    private final Kernels kernels;
    private final NDManager manager;
    private final NDArray embedTokens;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final UnaryOperator<NDArray> toComputeDtype;

    private LlamaTextEncoder(Parameters checkpoint, LlamaConfig config, int layerCount, Kernels kernels) {
        this.config = config;
        this.kernels = kernels;
        this.manager = checkpoint.manager();
        Parameters body = body(checkpoint);
        this.embedTokens = body.tensor("embed_tokens.weight", config.vocabSize(), config.hiddenSize());
        this.toComputeDtype = checkpoint.precision() == Precision.BFLOAT16 ? kernels::toBfloat16 : x -> x;
        for (int i = 0; i < layerCount; i++) {
            layers.add(new DecoderLayer(body.scope("layers." + i)));
        }
    }

    /** A LlamaForCausalLM checkpoint nests the body under "model."; LlamaModel's does not. */
    private static Parameters body(Parameters checkpoint) {
        return checkpoint.contains("model.embed_tokens.weight") ? checkpoint.scope("model") : checkpoint;
    }

    /** Loads the embeddings and all but the last {@code skippedLayers} decoder layers; close to free them. */
    public static LlamaTextEncoder load(Weights weights, LlamaConfig config, int skippedLayers, Kernels kernels,
                                        NDManager parent) {
        if (skippedLayers < 0 || skippedLayers >= config.numHiddenLayers()) {
            throw new IllegalArgumentException("cannot skip " + skippedLayers + " of " + config.numHiddenLayers()
                    + " layers");
        }
        return Parameters.load(MODEL, weights, parent, checkpoint -> new LlamaTextEncoder(checkpoint, config,
                config.numHiddenLayers() - skippedLayers, kernels));
    }

    /**
     * Checks, from the safetensors headers alone, that the checkpoint holds every layer
     * {@code config} describes with the shapes it implies, and no more layers; throws a
     * {@link TensorFormatException} naming the first key that is missing or misshapen.
     */
    public static void checkCheckpoint(SafetensorsWeights weights, LlamaConfig config) {
        Parameters headers = Parameters.shapesOnly(MODEL, weights);
        new LlamaTextEncoder(headers, config, config.numHiddenLayers(), null);
        body(headers).requireAllRead("layers.");
    }

    /** Hidden states {@code [1, N, hidden]} of {@code ids} (no padding). */
    public NDArray encode(long[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to encode");
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray h = EncoderOps.embed(embedTokens, ids);
            h.attach(scope);
            NDArray[] rope = ropeTables(scope, ids.length);
            NDArray mask = EncoderOps.causalMask(scope, ids.length);
            for (DecoderLayer layer : layers) {
                h = layer.forward(h, rope[0], rope[1], mask);
            }
            h.attach(manager.getParentManager());
            return h;
        }
    }

    /**
     * cos/sin {@code [N, head_dim]} as transformers builds them: inverse frequencies
     * {@code θ^(−2i/d)} and the position products in float32, duplicated for the rotate-half layout.
     */
    private NDArray[] ropeTables(NDManager scope, int length) {
        int dim = config.headDim();
        NDArray exponents = scope.arange(0, dim, 2, DataType.INT64).toType(DataType.FLOAT32, false).div(dim);
        NDArray inverseFrequencies = scope.full(exponents.getShape(), (float) config.ropeTheta()).pow(exponents)
                .pow(-1f);
        NDArray positions = scope.arange(0, length, 1, DataType.INT64).toType(DataType.FLOAT32, false);
        NDArray angles = positions.reshape(length, 1).matMul(inverseFrequencies.reshape(1, dim / 2));
        NDArray doubled = NDArrays.concat(new NDList(angles, angles), 1);
        return new NDArray[] {toComputeDtype.apply(doubled.cos()), toComputeDtype.apply(doubled.sin())};
    }

    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotatedHalf = NDArrays.concat(new NDList(second.neg(), first), 3);
        return x.mul(cos).add(rotatedHalf.mul(sin));
    }

    private final class DecoderLayer {
        private final NDArray inputNorm;
        private final NDArray postAttentionNorm;
        private final Linear query;
        private final Linear key;
        private final Linear value;
        private final Linear output;
        private final Linear gate;
        private final Linear up;
        private final Linear down;

        DecoderLayer(Parameters layer) {
            long hidden = config.hiddenSize();
            long queries = (long) config.numAttentionHeads() * config.headDim();
            long keysAndValues = (long) config.numKeyValueHeads() * config.headDim();
            inputNorm = layer.tensor("input_layernorm.weight", hidden);
            postAttentionNorm = layer.tensor("post_attention_layernorm.weight", hidden);
            query = Linear.loadWithoutBias(layer, "self_attn.q_proj", hidden, queries);
            key = Linear.loadWithoutBias(layer, "self_attn.k_proj", hidden, keysAndValues);
            value = Linear.loadWithoutBias(layer, "self_attn.v_proj", hidden, keysAndValues);
            output = Linear.loadWithoutBias(layer, "self_attn.o_proj", queries, hidden);
            gate = Linear.loadWithoutBias(layer, "mlp.gate_proj", hidden, config.intermediateSize());
            up = Linear.loadWithoutBias(layer, "mlp.up_proj", hidden, config.intermediateSize());
            down = Linear.loadWithoutBias(layer, "mlp.down_proj", config.intermediateSize(), hidden);
        }

        NDArray forward(NDArray h, NDArray cos, NDArray sin, NDArray mask) {
            float eps = (float) config.rmsNormEps();
            NDArray x = Norms.rmsNorm(h, inputNorm, eps, toComputeDtype);
            NDArray q = rotate(EncoderOps.splitHeads(query.forward(x), config.numAttentionHeads()), cos, sin);
            NDArray k = rotate(EncoderOps.splitHeads(key.forward(x), config.numKeyValueHeads()), cos, sin);
            NDArray v = EncoderOps.splitHeads(value.forward(x), config.numKeyValueHeads());
            // Grouped-query attention: each key/value head serves a run of consecutive query heads.
            int groups = config.numAttentionHeads() / config.numKeyValueHeads();
            if (groups > 1) {
                k = k.repeat(1, groups);
                v = v.repeat(1, groups);
            }
            NDArray attended = kernels.attention(q, k, v, mask);
            h = h.add(output.forward(EncoderOps.mergeHeads(attended)));
            NDArray y = Norms.rmsNorm(h, postAttentionNorm, eps, toComputeDtype);
            NDArray activated = EncoderOps.activation(config.hiddenAct()).apply(gate.forward(y));
            return h.add(down.forward(activated.mul(up.forward(y))));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
