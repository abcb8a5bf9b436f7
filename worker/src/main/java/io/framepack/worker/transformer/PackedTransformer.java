package io.framepack.worker.transformer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.WeightTransform;
import io.framepack.worker.tensor.Weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * FramePack's packed HunyuanVideo transformer ({@code HunyuanVideoTransformer3DModelPacked}): it
 * predicts the flow-matching velocity of a window of noisy latents, conditioned on clean context
 * latents packed at 1×, 2× and 4× compression, on text (LLaMA states through a token refiner,
 * CLIP pooled) and on the start image (SigLIP). Batch 1, as the official demos run it.
 *
 * <p>Computes in the weights' precision: float32 (CPU, golden parity) or bfloat16 (GPU, with the
 * kernel pack), rounding where the official code does; the output is always float32.
 */
public final class PackedTransformer implements AutoCloseable {
    private final TransformerConfig config;
    private final Numerics numerics;
    private final NDManager manager;
    private final PatchEmbedders embedders;
    private final ConditioningEmbedder conditioning;
    private final TokenRefiner refiner;
    private final Mlp imageProjection;
    private final OutputHead head;
    /** The first block, always resident: TeaCache probes its modulation. */
    private final DualStreamBlock firstBlock;
    private final List<Block> blocks = new ArrayList<>();
    private int residentBlocks;
    private TeaCache teaCache;

    private PackedTransformer(ParameterReader params, TransformerConfig config, Numerics numerics, NDManager manager,
                              BlockResidency residency) {
        this.config = config;
        this.numerics = numerics;
        this.manager = manager;
        Rope rope = new Rope(config.ropeTheta(), config.ropeAxesDim());
        AdaLayerNorm adaNorm = new AdaLayerNorm(config.innerDim(), numerics, manager);
        this.embedders = new PatchEmbedders(params, config, rope, numerics);
        this.conditioning = new ConditioningEmbedder(params.scope("time_text_embed"), config, numerics);
        this.refiner = new TokenRefiner(params.scope("context_embedder"), config, adaNorm, numerics);
        this.imageProjection = config.hasImageProj()
                ? Mlp.load(params.scope("image_projection"), "up", "down", config.imageProjDim(),
                        3L * config.innerDim(), config.innerDim(), Mlp.Activation.SILU, numerics)
                : null;
        this.head = new OutputHead(params, config, adaNorm, numerics);
        BlockPlacer placer = new BlockPlacer(params, residency);
        // The placer builds a block on staged host weights first; the last build is the one used.
        DualStreamBlock[] first = new DualStreamBlock[1];
        for (int i = 0; i < config.numLayers(); i++) {
            boolean isFirst = i == 0;
            blocks.add(placer.place("transformer_blocks." + i, reader -> {
                DualStreamBlock block = new DualStreamBlock(reader, config, adaNorm, numerics);
                first[0] = isFirst ? block : first[0];
                return block::forward;
            }));
        }
        for (int i = 0; i < config.numSingleLayers(); i++) {
            blocks.add(placer.place("single_transformer_blocks." + i,
                    reader -> new SingleStreamBlock(reader, config, adaNorm, numerics)::forward));
        }
        this.firstBlock = first[0];
        params.requireAllRead();
    }

    /**
     * Builds the model on {@code parent}'s device; its weights live in a child manager that
     * {@link #close()} frees. Every key is checked against the shape the config implies.
     */
    public static PackedTransformer load(Weights weights, TransformerConfig config, Kernels kernels, NDManager parent) {
        return load(weights, config, kernels, parent, BlockResidency.ALL);
    }

    /**
     * As {@link #load(Weights, TransformerConfig, Kernels, NDManager)}, with at most
     * {@code residency}'s bytes of weights on the device: the blocks beyond wait in host memory
     * (pinned where there is a GPU) and are copied to the device for each use.
     */
    public static PackedTransformer load(Weights weights, TransformerConfig config, Kernels kernels, NDManager parent,
                                         BlockResidency residency) {
        return load(weights, WeightTransform.NONE, config, kernels, parent, residency);
    }

    /**
     * As {@link #load(Weights, TransformerConfig, Kernels, NDManager, BlockResidency)}, each weight
     * changed by {@code transform} as it is read (LoRAs merged at load).
     */
    public static PackedTransformer load(Weights weights, WeightTransform transform, TransformerConfig config,
                                         Kernels kernels, NDManager parent, BlockResidency residency) {
        Numerics numerics = new Numerics(weights.precision(), kernels);
        return build(manager -> ParameterReader.of(weights, transform, manager), config, numerics, parent, residency);
    }

    /**
     * Checks, from the safetensors headers alone, that the checkpoint holds exactly the weights
     * {@code config} implies with the shapes it implies, by building the model on parameters that
     * are only checked; throws a {@link TensorFormatException} naming the first key that is
     * missing or misshapen, or the keys the config does not use.
     */
    public static void checkCheckpoint(SafetensorsWeights weights, TransformerConfig config) {
        Numerics numerics = new Numerics(Precision.FLOAT32, new DjlKernels());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            new PackedTransformer(ParameterReader.shapesOnly(weights), config, numerics, manager, BlockResidency.ALL);
        }
    }

    /**
     * Opens a Hugging Face component folder ({@code config.json} plus single or sharded
     * safetensors, e.g. {@code FramePackI2V_HY/}) in {@code precision}. Every tensor is copied to
     * the device while loading, so the files are closed again before this returns.
     */
    public static PackedTransformer open(Path componentDir, Precision precision, Kernels kernels, NDManager parent,
                                         BlockResidency residency) throws IOException {
        TransformerConfig config = TransformerConfig.read(componentDir.resolve("config.json"));
        try (SafetensorsWeights weights = SafetensorsWeights.open(componentDir, precision, kernels)) {
            return load(weights, config, kernels, parent, residency);
        }
    }

    /**
     * The architecture of {@code config} with random weights (uniform ±1/√fan_in, norms 1, biases
     * 0): for speed and memory benchmarks at full size where the checkpoint is not available.
     */
    public static PackedTransformer withRandomWeights(TransformerConfig config, Precision precision, Kernels kernels,
                                                      NDManager parent, long seed, BlockResidency residency) {
        Numerics numerics = new Numerics(precision, kernels);
        return build(manager -> ParameterReader.random(numerics, manager, seed), config, numerics, parent, residency);
    }

    private static PackedTransformer build(Function<NDManager, ParameterReader> parameters, TransformerConfig config,
                                           Numerics numerics, NDManager parent, BlockResidency residency) {
        NDManager manager = parent.newSubManager();
        try {
            return new PackedTransformer(parameters.apply(manager), config, numerics, manager, residency);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public TransformerConfig config() {
        return config;
    }

    /** Blocks whose weights stay on the device; the others are streamed from host memory. */
    public int residentBlocks() {
        return residentBlocks;
    }

    public int blockCount() {
        return blocks.size();
    }

    /**
     * Turns TeaCache on for a section of {@code steps} sampler steps, dropping any state of a
     * previous section; call at the start of every section (the official default threshold is
     * 0.15). Like the official state machine it counts forward calls, so with real CFG (two
     * calls per step) it reproduces the official code's interleaving of positive and negative calls.
     */
    public void enableTeaCache(int steps, double relativeL1Threshold) {
        disableTeaCache();
        teaCache = new TeaCache(steps, relativeL1Threshold, manager);
    }

    /** Forwards that TeaCache answered from its cache since it was last enabled (0 when off). */
    public int teaCacheSkippedSteps() {
        return teaCache == null ? 0 : teaCache.skipped();
    }

    public void disableTeaCache() {
        if (teaCache != null) {
            teaCache.close();
            teaCache = null;
        }
    }

    /**
     * One forward: the velocity {@code [1, C, K, h, w]} in float32, attached to the manager of
     * the noisy latents. Intermediates are freed before returning.
     */
    public NDArray forward(TransformerInputs inputs) {
        InputCheck.check(inputs, config);
        NDManager caller = inputs.noisy().latents().getManager();
        try (NDManager scope = caller.newSubManager(manager.getDevice())) {
            TransformerInputs in = onDevice(inputs, scope);
            PatchEmbedders.PackedTokens packed = embedders.embed(in, scope);
            NDArray timestep = numerics.toFloat32(numerics.round(in.noisy().timestep()));
            NDArray guidance = numerics.toFloat32(numerics.round(in.conditioning().guidance()));
            NDArray c = conditioning.forward(timestep, guidance, in.conditioning().pooledText());
            NDArray context = contextTokens(in.conditioning(), timestep);
            NDArray image = runBlocks(new Streams(packed.tokens(), context), c, packed.ropeTable(), scope);
            NDArray velocity = head.forward(image, c, packed.frames(), packed.height(), packed.width());
            velocity.attach(caller);
            return velocity;
        }
    }

    /** The packed image tokens and RoPE table of {@code inputs} (what the blocks see), for inspection. */
    PatchEmbedders.PackedTokens pack(TransformerInputs inputs) {
        InputCheck.check(inputs, config);
        return embedders.embed(inputs, inputs.noisy().latents().getManager());
    }

    /**
     * {@code [SigLIP tokens, refined text tokens]}, cropped to the image tokens plus the valid text
     * tokens: with batch 1 the official code crops instead of masking the main blocks.
     */
    private NDArray contextTokens(TransformerInputs.Conditioning in, NDArray timestep) {
        NDArray text = refiner.forward(numerics.round(in.textStates()), timestep, in.textMask());
        long valid = in.textMask().toType(DataType.INT64, false).sum().toLongArray()[0];
        NDArray context = text;
        if (imageProjection != null) {
            NDArray image = imageProjection.forward(numerics.round(in.imageEmbeddings()));
            context = image.concat(text, 1);
            valid += image.getShape().get(1);
        }
        return context.get(new NDIndex(":, :{}, :", valid));
    }

    /** All blocks (or TeaCache's shortcut), returning the image tokens. */
    private NDArray runBlocks(Streams streams, NDArray c, NDArray ropeTable, NDManager scope) {
        if (teaCache == null) {
            return runAllBlocks(streams, c, ropeTable, scope, false);
        }
        NDArray probe = firstBlock.modulatedImage(streams.image(), c);
        if (!teaCache.shouldCompute(probe)) {
            return teaCache.reuse(streams.image());
        }
        NDArray out = runAllBlocks(streams, c, ropeTable, scope, true);
        teaCache.rememberResidual(out.sub(streams.image()));
        return out;
    }

    /**
     * Runs the blocks, each in its own memory scope so that a block's intermediates and its
     * input streams are freed as soon as the next block has what it needs; with
     * {@code keepInput} the packed input streams stay alive (TeaCache subtracts them).
     */
    private NDArray runAllBlocks(Streams streams, NDArray c, NDArray ropeTable, NDManager scope, boolean keepInput) {
        Streams current = streams;
        boolean ownsCurrent = !keepInput;
        for (Block block : blocks) {
            try (NDManager blockScope = scope.newSubManager()) {
                if (ownsCurrent) {
                    current.image().attach(blockScope);
                    current.context().attach(blockScope);
                } else {
                    current.image().tempAttach(blockScope);
                    current.context().tempAttach(blockScope);
                }
                c.tempAttach(blockScope);
                ropeTable.tempAttach(blockScope);
                Streams next = block.forward(current, c, ropeTable, blockScope);
                next.image().attach(scope);
                next.context().attach(scope);
                current = next;
                ownsCurrent = true;
            }
        }
        return current.image();
    }

    /** A dual- or single-stream block as the block loop sees it. */
    private interface Block {
        /** @param blockScope frees the block's intermediates (and streamed weights) after it */
        Streams forward(Streams in, NDArray conditioning, NDArray ropeTable, NDManager blockScope);
    }

    /** A block's forward on the weights a reader gave it. */
    private interface BlockForward {
        Streams forward(Streams in, NDArray conditioning, NDArray ropeTable);
    }

    /**
     * Puts blocks on the device while their weights fit what is left of the budget, in order, and
     * the rest in host memory; a streamed block is rebuilt on copies of its weights for each use.
     * Copies go on the compute stream: from pinned memory they do not make the host wait, but they
     * do not overlap the previous block's compute (DJL offers no second stream).
     */
    private final class BlockPlacer {
        private final ParameterReader params;
        private final NDArray deviceProbe;
        private final NDManager host;
        private long bytesLeft;

        BlockPlacer(ParameterReader params, BlockResidency residency) {
            this.params = params;
            this.bytesLeft = residency.equals(BlockResidency.ALL) ? Long.MAX_VALUE
                    : residency.deviceBytes() - params.bytesRead();
            this.deviceProbe = manager.zeros(new Shape(1));
            this.host = manager.newSubManager(Device.cpu());
        }

        Block place(String name, Function<ParameterReader, BlockForward> build) {
            if (bytesLeft == Long.MAX_VALUE) {
                return resident(build.apply(params.scope(name)));
            }
            Map<String, NDArray> staged = new LinkedHashMap<>();
            long before = params.bytesRead();
            build.apply(params.stagingIn(host, staged).scope(name));
            long bytes = params.bytesRead() - before;
            if (bytes <= bytesLeft) {
                bytesLeft -= bytes;
                BlockForward block = build.apply(copies(staged, deviceProbe, manager).scope(name));
                staged.values().forEach(NDArray::close);
                return resident(block);
            }
            if (residentBlocks == 0) {
                throw new IllegalArgumentException("the GPU memory budget leaves " + Math.max(bytesLeft, 0)
                        + " bytes for transformer blocks, but the first block alone needs " + bytes);
            }
            if (manager.getDevice().isGpu()) {
                staged.replaceAll((key, array) -> {
                    NDArray pinned = numerics.kernels().pinned(array);
                    pinned.attach(host);
                    array.close();
                    return pinned;
                });
            }
            return (in, c, rope, scope) -> build.apply(copies(staged, c, scope).scope(name)).forward(in, c, rope);
        }

        private Block resident(BlockForward block) {
            residentBlocks++;
            return (in, c, rope, scope) -> block.forward(in, c, rope);
        }

        private ParameterReader copies(Map<String, NDArray> staged, NDArray like, NDManager target) {
            return ParameterReader.copiesOf(staged, numerics.kernels(), like, target, numerics.precision());
        }
    }

    /** The inputs, scoped to this forward and on the model's device. */
    private static TransformerInputs onDevice(TransformerInputs in, NDManager scope) {
        TransformerInputs.NoisyLatents noisy = in.noisy();
        TransformerInputs.PackedContext context = in.context();
        TransformerInputs.Conditioning conditioning = in.conditioning();
        return new TransformerInputs(
                new TransformerInputs.NoisyLatents(local(noisy.latents(), scope), local(noisy.timestep(), scope),
                        local(noisy.indices(), scope)),
                new TransformerInputs.PackedContext(local(context.clean(), scope), local(context.clean2x(), scope),
                        local(context.clean4x(), scope)),
                new TransformerInputs.Conditioning(local(conditioning.textStates(), scope),
                        local(conditioning.textMask(), scope), local(conditioning.pooledText(), scope),
                        local(conditioning.imageEmbeddings(), scope), local(conditioning.guidance(), scope)));
    }

    private static TransformerInputs.CleanLatents local(TransformerInputs.CleanLatents part, NDManager scope) {
        return part == null ? null : new TransformerInputs.CleanLatents(local(part.latents(), scope),
                local(part.indices(), scope));
    }

    private static NDArray local(NDArray x, NDManager scope) {
        if (x == null) {
            return null;
        }
        x.tempAttach(scope);
        Device device = scope.getDevice();
        return x.getDevice().equals(device) ? x : x.toDevice(device, false);
    }

    @Override
    public void close() {
        disableTeaCache();
        manager.close();
    }
}
