package io.framepack.worker.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.sampling.Denoiser;
import io.framepack.worker.sampling.FlowMatchDenoiser;
import io.framepack.worker.sampling.FlowMatchUniPc;
import io.framepack.worker.sampling.SigmaSchedule;
import io.framepack.worker.sampling.VelocityModel;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.pipeline.TransformerVelocity;
import io.framepack.worker.runtime.MemoryPlan;
import io.framepack.worker.transformer.BlockResidency;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import io.framepack.worker.transformer.TransformerInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Speed and memory of the packed transformer with random weights, one FramePack section at a time:
 * the UniPC sampler's {@code steps} steps at CFG 1 (one forward each) with the section's 1×/2×/4×
 * context at full size. Reports seconds per forward and per section and peak memory (GPU: memory
 * held on the device, i.e. PyTorch's cache plus the CUDA context; CPU: the process's peak RSS).
 *
 * Run as {@code framepack-worker bench transformer}. {@code full} is the released model's
 * architecture; a latent of 80×76 is the 640×640 bucket (640×608 pixels). A TeaCache threshold
 * above 0 lets sections skip steps as a render with TeaCache on does. A profile path gets a
 * PyTorch profiler trace of one extra forward.
 */
public final class TransformerBench {
    /** Architectures by name; absent fields take the official defaults (the 13 B model). */
    private static final Map<String, String> MODELS = Map.of(
            "tiny", """
                    {"num_attention_heads": 2, "attention_head_dim": 16, "num_layers": 2, "num_single_layers": 2,
                     "num_refiner_layers": 1, "text_embed_dim": 32, "pooled_projection_dim": 16,
                     "rope_axes_dim": [4, 6, 6], "has_image_proj": true, "image_proj_dim": 24,
                     "has_clean_x_embedder": true}""",
            "mid", """
                    {"num_attention_heads": 8, "attention_head_dim": 128, "num_layers": 2, "num_single_layers": 4,
                     "num_refiner_layers": 1, "has_image_proj": true, "has_clean_x_embedder": true}""",
            "full", """
                    {"has_image_proj": true, "has_clean_x_embedder": true}""");

    private static final int TEXT_LENGTH = 512;
    private static final int SIGLIP_TOKENS = 729;
    private static final float GUIDANCE = 10_000f;

    private final TransformerConfig config;
    private final Device device;
    private final Precision precision;
    private final long latentHeight;
    private final long latentWidth;
    private final int window;
    private final int steps;
    private final int textTokens;
    private final double teaCacheThreshold;
    /** Largest device memory in use seen so far; -1 once it proved unreadable. */
    private long peakGpuBytes;

    /** The options the measurement reads at every step, under short names. */
    private TransformerBench(Options options) {
        this.config = options.config();
        this.device = options.device();
        this.precision = options.precision();
        this.latentHeight = options.latentHeight();
        this.latentWidth = options.latentWidth();
        this.window = options.window();
        this.steps = options.steps();
        this.textTokens = options.textTokens();
        this.teaCacheThreshold = options.teaCacheThreshold();
    }

    /** What to measure; {@link #of} fills in the defaults of the named model. */
    public record Options(String model, TransformerConfig config, Device device, Precision precision,
                          long latentHeight, long latentWidth, int window, int steps, int sections, int textTokens,
                          double teaCacheThreshold, Path profile, BlockResidency residency) {

        /**
         * @param model     tiny, mid, full or the path of a transformer config.json
         * @param precision null: bfloat16 on a GPU, float32 on the CPU
         * @param latent    null: 80x76 for full, 16x16 otherwise
         * @param teaCacheThreshold TeaCache's relative-L1 threshold for the measured sections, 0 for off
         * @param gpuMemoryBytes    a render's GPU budget, whose Streamed-tier share the transformer gets; null: all resident
         */
        public static Options of(String model, boolean gpu, Precision precision, LatentSize latent, int window,
                                 int steps, int sections, int textTokens, double teaCacheThreshold, Path profile,
                                 Long gpuMemoryBytes) throws IOException {
            String json = MODELS.containsKey(model) ? MODELS.get(model) : Files.readString(Path.of(model));
            TransformerConfig config = TransformerConfig.fromJson(new ObjectMapper().readTree(json));
            LatentSize size = latent != null ? latent : model.equals("full") ? new LatentSize(80, 76) : new LatentSize(16, 16);
            BlockResidency residency = gpuMemoryBytes == null ? BlockResidency.ALL
                    : new BlockResidency(MemoryPlan.transformerDeviceBytes(new MemoryPlan.Budget(gpuMemoryBytes,
                    "--gpu-memory"), config.innerDim(), size.height() * 8, size.width() * 8, window));
            return new Options(model, config, gpu ? Device.gpu() : Device.cpu(),
                    precision != null ? precision : gpu ? Precision.BFLOAT16 : Precision.FLOAT32,
                    size.height(), size.width(), window, steps, sections, textTokens, teaCacheThreshold, profile,
                    residency);
        }
    }

    public static void run(Options options) {
        new TransformerBench(options).run(options.model(), options.sections(), options.profile(), options.residency());
    }

    private void run(String model, int sections, Path profile, BlockResidency residency) {
        try (Kernels kernels = Kernels.load(); NDManager manager = NDManager.newBaseManager(device)) {
            Numerics numerics = new Numerics(precision, kernels);
            long start = System.nanoTime();
            try (PackedTransformer transformer = PackedTransformer.withRandomWeights(config, precision, kernels,
                    manager, 42, residency)) {
                double buildSeconds = seconds(start);
                notePeakMemory();
                VelocityModel velocity = midScheduleSection(transformer, manager);
                System.out.printf(Locale.ROOT, "model %s (%d+%d blocks, %d heads x %d), %s on %s, latent %dx%dx%d,"
                                + " %d image + %d context tokens; random weights built in %.1f s%n",
                        model, config.numLayers(), config.numSingleLayers(), config.numAttentionHeads(),
                        config.attentionHeadDim(), precision, device, window, latentHeight, latentWidth,
                        imageTokens(), SIGLIP_TOKENS + textTokens, buildSeconds);
                if (!residency.equals(BlockResidency.ALL)) {
                    System.out.printf(Locale.ROOT, "device budget for transformer weights %.2f GiB: %d of %d blocks"
                                    + " resident, the rest streamed from host memory%n", residency.deviceBytes() / (double) (1L << 30),
                            transformer.residentBlocks(), transformer.blockCount());
                }
                double warmup = section(velocity, numerics, 1, manager)[0];
                System.out.printf(Locale.ROOT, "warm-up forward: %.3f s%n", warmup);
                for (int s = 0; s < sections; s++) {
                    if (teaCacheThreshold > 0) {
                        transformer.enableTeaCache(steps, teaCacheThreshold);
                    }
                    long sectionStart = System.nanoTime();
                    double[] forwards = section(velocity, numerics, steps, manager);
                    double total = seconds(sectionStart);
                    double[] sorted = forwards.clone();
                    Arrays.sort(sorted);
                    System.out.printf(Locale.ROOT, "section %d: %.2f s for %d steps%s; per step: median %.3f s,"
                                    + " min %.3f s, max %.3f s%n",
                            s + 1, total, steps, teaCacheThreshold > 0
                                    ? " (TeaCache skipped " + transformer.teaCacheSkippedSteps() + ")" : "",
                            sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1]);
                    transformer.disableTeaCache();
                }
                System.out.printf(Locale.ROOT, "peak memory: %s%n", peakMemory());
                if (profile != null) {
                    JniUtils.startProfile(device.isGpu(), true, false);
                    section(velocity, numerics, 1, manager);
                    JniUtils.stopProfile(profile.toString());
                    System.out.println("profiler trace of one forward: " + profile);
                }
            }
        }
    }

    /**
     * One section as the pipeline samples it: UniPC over the shifted sigma schedule from fresh
     * noise, one forward per step (CFG 1); returns each step's seconds, waited for on the device.
     */
    private double[] section(VelocityModel velocity, Numerics numerics, int count, NDManager manager) {
        double[] seconds = new double[count];
        float[] sigmas = SigmaSchedule.sigmas(count, SigmaSchedule.mu(SigmaSchedule.noisyTokens(window, latentHeight,
                latentWidth)));
        Denoiser denoiser = new FlowMatchDenoiser(velocity, null, 1.0, 0.0, numerics);
        try (NDManager sectionScope = manager.newSubManager()) {
            NDArray noise = sectionScope.randomNormal(new Shape(1, config.inChannels(), window, latentHeight,
                    latentWidth));
            long[] start = {System.nanoTime()};
            new FlowMatchUniPc().sample(noise, sigmas, denoiser, (step, x, denoised) -> {
                x.get(0, 0, 0, 0, 0).getFloat(); // waits for the device
                seconds[step] = seconds(start[0]);
                notePeakMemory();
                start[0] = System.nanoTime();
            });
        }
        return seconds;
    }

    /** The transformer under the conditioning of a mid-schedule section: random text, SigLIP and 1×/2×/4× context latents. */
    private VelocityModel midScheduleSection(PackedTransformer transformer, NDManager manager) {
        long c = config.inChannels();
        long h = latentHeight;
        long w = latentWidth;
        boolean[] mask = new boolean[TEXT_LENGTH];
        Arrays.fill(mask, 0, textTokens, true);
        // Indices as the inverted schedule lays them out: [start, padding, window, post, 2x, 4x].
        long first = 1;
        long post = first + window;
        return new TransformerVelocity(transformer, 0).conditionedOn(
                manager.arange(first, post, 1, DataType.INT64).expandDims(0),
                new TransformerInputs.PackedContext(
                        new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, c, 2, h, w)),
                                manager.create(new long[][] {{0, post}})),
                        new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, c, 2, h, w)),
                                manager.arange(post + 1, post + 3, 1, DataType.INT64).expandDims(0)),
                        new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, c, 16, h, w)),
                                manager.arange(post + 3, post + 19, 1, DataType.INT64).expandDims(0))),
                new TransformerInputs.Conditioning(
                        manager.randomNormal(new Shape(1, TEXT_LENGTH, config.textEmbedDim())),
                        manager.create(mask).reshape(1, TEXT_LENGTH),
                        manager.randomNormal(new Shape(1, config.pooledProjectionDim())),
                        manager.randomNormal(new Shape(1, SIGLIP_TOKENS, config.imageProjDim())),
                        manager.create(new float[] {GUIDANCE})));
    }

    private long imageTokens() {
        long p = config.patchSize();
        long oneX = 2 * (latentHeight / p) * (latentWidth / p);
        long twoX = ceil(2, 2) * ceil(latentHeight, 2 * p) * ceil(latentWidth, 2 * p);
        long fourX = ceil(16, 4) * ceil(latentHeight, 4 * p) * ceil(latentWidth, 4 * p);
        return window * (latentHeight / p) * (latentWidth / p) + oneX + twoX + fourX;
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    private void notePeakMemory() {
        if (device.isGpu() && peakGpuBytes >= 0) {
            try {
                peakGpuBytes = Math.max(peakGpuBytes, CudaUtils.getGpuMemory(device).getUsed());
            } catch (IllegalStateException e) {
                System.out.println("GPU memory cannot be read (is libcudart on jna.library.path?): " + e);
                peakGpuBytes = -1;
            }
        }
    }

    private String peakMemory() {
        if (device.isGpu()) {
            if (peakGpuBytes < 0) {
                return "unknown";
            }
            return String.format(Locale.ROOT, "%.2f GiB held on %s (sampled after each step)",
                    peakGpuBytes / (double) (1L << 30), device);
        }
        return HostMemory.peakRss();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
