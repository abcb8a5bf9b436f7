package io.framepack.worker.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.Scratch;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.tensor.Weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * diffusers' {@code AutoencoderKLHunyuanVideo} as FramePack uses it: encode of the start frame
 * to a posterior, decode of latent sections with the frame-wise temporal tiling that the official
 * decode always applies above 4 latent frames and, when asked for, the spatial tiling of the
 * official low-VRAM mode ({@link VaeTiling}), and the cheap latent preview. It computes in
 * float32 on the CPU and in float16 on a GPU (the official dtype). Its weights live in a manager
 * of its own that {@link #close()} frees, so a phase can load it and release it after.
 */
public final class HunyuanVideoVae implements AutoCloseable {
    private final VaeConfig config;
    private final DataType dtype;
    private final NDManager manager;
    private final VaeEncoder encoder;
    private final VaeDecoder decoder;
    private VaeTiling tiling;
    private SpatialTiling spatial;

    private HunyuanVideoVae(VaeConfig config, VaeParameters params, Kernels kernels, boolean withEncoder) {
        this.config = config;
        this.dtype = params.dtype();
        this.manager = params.manager();
        this.encoder = withEncoder ? new VaeEncoder(params, config, kernels) : null;
        this.decoder = new VaeDecoder(params, config, kernels);
        this.tiling = new VaeTiling(config, null);
        checkAllUsed(params, withEncoder);
    }

    /**
     * Checks, from the safetensors headers alone, that the checkpoint holds exactly the weights
     * {@code config} implies with the shapes it implies; throws a {@link TensorFormatException}
     * naming the first key that is missing, misshapen or unused.
     */
    public static void checkCheckpoint(SafetensorsWeights weights, VaeConfig config) {
        VaeParameters shapes = VaeParameters.shapesOnly(weights);
        new VaeEncoder(shapes, config, null);
        new VaeDecoder(shapes, config, null);
        checkAllUsed(shapes, true);
    }

    private static void checkAllUsed(VaeParameters params, boolean withEncoder) {
        params.requireAllRead(withEncoder ? new String[] {"encoder.", "decoder.", "quant_conv.", "post_quant_conv."}
                : new String[] {"decoder.", "post_quant_conv."});
    }

    /** The compute dtype for a device: float16 on a GPU as the official code, float32 on the CPU. */
    public static DataType dtypeFor(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /**
     * Builds the VAE on {@code parent}'s device in {@code dtype} (FLOAT32 or FLOAT16). Without the
     * encoder only the decoder's weights are loaded (what a decode phase needs).
     */
    public static HunyuanVideoVae load(Weights weights, VaeConfig config, DataType dtype, Kernels kernels,
                                       NDManager parent, boolean withEncoder) {
        return build(manager -> new VaeParameters(weights, dtype, manager), config, dtype, kernels, parent, withEncoder);
    }

    /** The VAE of {@code config} with small random weights: its speed and memory without a checkpoint. */
    public static HunyuanVideoVae withRandomWeights(VaeConfig config, DataType dtype, Kernels kernels, NDManager parent,
                                                    boolean withEncoder) {
        return build(manager -> VaeParameters.random(dtype, manager), config, dtype, kernels, parent, withEncoder);
    }

    private static HunyuanVideoVae build(Function<NDManager, VaeParameters> parameters, VaeConfig config,
                                         DataType dtype, Kernels kernels, NDManager parent, boolean withEncoder) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("the VAE computes in float32 or float16, not " + dtype);
        }
        NDManager manager = parent.newSubManager();
        try {
            return new HunyuanVideoVae(config, parameters.apply(manager), kernels, withEncoder);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Opens the Hugging Face {@code vae/} folder ({@code config.json} plus safetensors) on
     * {@code parent}'s device in the dtype {@link #dtypeFor} picks. Weights are copied while
     * loading, so the files are closed again before this returns.
     */
    public static HunyuanVideoVae open(Path vaeDir, Kernels kernels, NDManager parent, boolean withEncoder)
            throws IOException {
        VaeConfig config = VaeConfig.read(vaeDir.resolve("config.json"));
        try (SafetensorsWeights weights = SafetensorsWeights.open(vaeDir, Precision.FLOAT32, kernels)) {
            return load(weights, config, dtypeFor(parent.getDevice()), kernels, parent, withEncoder);
        }
    }

    public VaeConfig config() {
        return config;
    }

    /** Encodes and decodes in spatial tiles from now on ({@code enable_tiling()}), or in whole frames with null. */
    public void useSpatialTiling(SpatialTiling spatial) {
        this.tiling = new VaeTiling(config, spatial);
        this.spatial = spatial;
    }

    /** The spatial tiles encodes and decodes use, or null for whole frames. */
    public SpatialTiling spatialTiling() {
        return spatial;
    }

    /**
     * Encodes pixels {@code [1, 3, T, H, W]} in [−1, 1] (H, W multiples of 8) to the posterior:
     * in one piece (the official high-VRAM path) or in spatial tiles when they are on.
     */
    public Posterior encode(NDArray pixels) {
        if (encoder == null) {
            throw new IllegalStateException("this VAE was loaded without its encoder");
        }
        checkVideo(pixels, config.inChannels(), "pixels");
        NDManager owner = pixels.getManager();
        try (NDManager scope = owner.newSubManager()) {
            pixels.tempAttach(scope);
            Posterior posterior = Posterior.fromMoments(tiling.encode(onDevice(pixels).toType(dtype, false),
                    encoder::forward));
            posterior.mean().attach(owner);
            posterior.std().attach(owner);
            return posterior;
        }
    }

    /**
     * The start latent, scaled by the scaling factor (in the VAE's dtype, as the official code),
     * returned in float32: a posterior sample with noise from {@link Posterior#seededNoise} of
     * {@code seed}, or the posterior mean when {@code useMean}.
     */
    public NDArray encodeStartLatent(NDArray pixels, boolean useMean, long seed) {
        return scaledLatents(pixels, useMean, seed, this::encode);
    }

    /** Frames FramePack-Studio's {@code video_encode} hands the VAE at once ({@code vae_batch_size}). */
    public static final int VIDEO_BATCH_FRAMES = 16;

    /**
     * A video's latents as FramePack-Studio's {@code video_encode} makes them: pixels
     * {@code [1,3,T,H,W]} ({@code T} a multiple of 4) encoded in batches of {@link #VIDEO_BATCH_FRAMES}
     * frames, each causal from its own first frame, posterior sampled with noise of {@code seed} (see
     * {@link #encodeStartLatent}) and scaled; float32 {@code [1,16,T/4,h,w]}.
     */
    public NDArray encodeVideoLatents(NDArray pixels, long seed) {
        return scaledLatents(pixels, false, seed, this::encodeInBatches);
    }

    /** The posterior of {@link #encodeVideoLatents}: the batches' posteriors joined along time. */
    public Posterior encodeInBatches(NDArray pixels) {
        long frames = pixels.getShape().get(2);
        if (pixels.getShape().dimension() != 5 || frames % 4 != 0) {
            throw new IllegalArgumentException("video pixels must be [1, 3, T, H, W] with T a multiple of 4, got "
                    + pixels.getShape());
        }
        NDList means = new NDList();
        NDList stds = new NDList();
        try (NDManager batches = pixels.getManager().newSubManager()) {
            for (long from = 0; from < frames; from += VIDEO_BATCH_FRAMES) {
                NDArray batch = pixels.get(new NDIndex().addAllDim(2).addSliceDim(from, Math.min(frames, from + VIDEO_BATCH_FRAMES)));
                batch.attach(batches);
                Posterior posterior = encode(batch);
                posterior.mean().attach(batches);
                posterior.std().attach(batches);
                means.add(posterior.mean());
                stds.add(posterior.std());
            }
            Posterior joined = new Posterior(NDArrays.concat(means, 2), NDArrays.concat(stds, 2));
            joined.mean().attach(pixels.getManager());
            joined.std().attach(pixels.getManager());
            return joined;
        }
    }

    private NDArray scaledLatents(NDArray pixels, boolean useMean, long seed, Function<NDArray, Posterior> encoding) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = pixels.toDevice(manager.getDevice(), true);
            input.attach(scope);
            try (Posterior posterior = encoding.apply(input)) {
                NDArray latent = useMean ? posterior.mean()
                        : posterior.sample(Posterior.seededNoise(seed, posterior.mean().getShape(), scope));
                NDArray scaled = latent.mul((float) config.scalingFactor()).toType(DataType.FLOAT32, false);
                scaled.attach(pixels.getManager());
                return scaled;
            }
        }
    }

    /**
     * Scaled latents {@code [1,16,T,h,w]} (float32) to pixels {@code [1,3,4(T-1)+1,8h,8w]} roughly
     * in [-1, 1]: divides by the scaling factor in float32, then decodes in the VAE's dtype
     * (official {@code vae_decode}).
     */
    public NDArray decode(NDArray scaledLatents) {
        checkVideo(scaledLatents, config.latentChannels(), "latents");
        return Scratch.run(scaledLatents, scaled -> {
            NDArray unscaled = scaled.toType(DataType.FLOAT32, false).div((float) config.scalingFactor());
            return decodeUnscaled(onDevice(unscaled).toType(dtype, false));
        });
    }

    /** {@code vae.decode(z)} on unscaled latents, tiled as {@link VaeTiling} says. */
    NDArray decodeUnscaled(NDArray z) {
        return tiling.decode(z, decoder::forward);
    }

    /** The cheap per-step preview: a fixed 16→3 map of latents {@code [1,16,T,h,w]} to {@code [1,3,T,h,w]}. */
    public NDArray preview(NDArray latents) {
        return LatentPreview.rgb(latents);
    }

    private NDArray onDevice(NDArray x) {
        return x.getDevice().equals(manager.getDevice()) ? x : x.toDevice(manager.getDevice(), false);
    }

    private static void checkVideo(NDArray x, int channels, String what) {
        if (x.getShape().dimension() != 5 || x.getShape().get(1) != channels) {
            throw new IllegalArgumentException(what + " must be [B, " + channels + ", T, H, W], got " + x.getShape());
        }
    }

    /** Frees the weights. */
    @Override
    public void close() {
        manager.close();
    }
}
