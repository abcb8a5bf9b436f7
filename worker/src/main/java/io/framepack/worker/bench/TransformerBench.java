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
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Speed and memory of the packed transformer with random weights, one FramePack section at a time:
 * the UniPC sampler's {@code steps} steps with the section's 1×/2×/4× context at full size, through
 * the render's own denoiser ({@link FlowMatchDenoiser}) and velocity model ({@link TransformerVelocity}):
 * real CFG above 1 runs the negative pass's forward at every step, and a TeaCache threshold above 0
 * lets forwards be skipped, exactly as in a render with those settings. Reports seconds per section
 * and per forward that ran (each waited for on the device), the forwards run and skipped, and peak
 * memory (GPU: memory held on the device, i.e. PyTorch's cache plus the CUDA context; CPU: the
 * process's peak RSS), closing with one {@code summary:} line of {@code key=value} pairs.
 * Live-tensor memory (PyTorch's {@code max_memory_allocated}) is printed as {@code unavailable}:
 * nothing reachable from Java reads the CUDA caching allocator's statistics (performance.md).
 *
 * Run as {@code framepack-worker bench transformer}. {@code full} is the released model's
 * architecture; a latent of 80×76 is the 640×640 bucket (640×608 pixels). A profile path gets a
 * PyTorch profiler trace of one extra step.
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
    private final double cfg;
    /** The forwards of the section being sampled. */
    private ForwardLog forwards = new ForwardLog();
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
        this.cfg = options.cfg();
    }

    /** What to measure; {@link #of} fills in the defaults of the named model. */
    public record Options(String model, TransformerConfig config, Device device, Precision precision,
                          long latentHeight, long latentWidth, int window, int steps, int sections, int textTokens,
                          double teaCacheThreshold, double cfg, Path profile, BlockResidency residency) {

        /**
         * @param model     tiny, mid, full or the path of a transformer config.json
         * @param precision null: bfloat16 on a GPU, float32 on the CPU
         * @param latent    null: 80x76 for full, 16x16 otherwise
         * @param teaCacheThreshold TeaCache's relative-L1 threshold for the measured sections, 0 for off
         * @param cfg               real guidance scale; above 1 every step runs a second, negative-prompt forward
         * @param gpuMemoryBytes    a render's GPU budget, whose Streamed-tier share the transformer gets; null: all resident
         */
        public static Options of(String model, boolean gpu, Precision precision, LatentSize latent, int window,
                                 int steps, int sections, int textTokens, double teaCacheThreshold, double cfg,
                                 Path profile, Long gpuMemoryBytes) throws IOException {
            String json = MODELS.containsKey(model) ? MODELS.get(model) : Files.readString(Path.of(model));
            TransformerConfig config = TransformerConfig.fromJson(new ObjectMapper().readTree(json));
            LatentSize size = latent != null ? latent : model.equals("full") ? new LatentSize(80, 76) : new LatentSize(16, 16);
            BlockResidency residency = gpuMemoryBytes == null ? BlockResidency.ALL
                    : new BlockResidency(MemoryPlan.transformerDeviceBytes(new MemoryPlan.Budget(gpuMemoryBytes,
                    "--gpu-memory"), config.innerDim(), size.height() * 8, size.width() * 8, window));
            return new Options(model, config, gpu ? Device.gpu() : Device.cpu(),
                    precision != null ? precision : gpu ? Precision.BFLOAT16 : Precision.FLOAT32,
                    size.height(), size.width(), window, steps, sections, textTokens, teaCacheThreshold, cfg, profile,
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
                TransformerVelocity velocity = new TransformerVelocity(transformer, teaCacheThreshold);
                Passes passes = midScheduleSection(velocity, transformer, manager);
                System.out.printf(Locale.ROOT, "model %s (%d+%d blocks, %d heads x %d), %s on %s, latent %dx%dx%d,"
                                + " %d image + %d context tokens, CFG %s, TeaCache %s; random weights built in %.1f s%n",
                        model, config.numLayers(), config.numSingleLayers(), config.numAttentionHeads(),
                        config.attentionHeadDim(), precision, device, window, latentHeight, latentWidth,
                        imageTokens(), SIGLIP_TOKENS + textTokens, number(cfg),
                        teaCacheThreshold > 0 ? number(teaCacheThreshold) : "off", buildSeconds);
                if (!residency.equals(BlockResidency.ALL)) {
                    System.out.printf(Locale.ROOT, "device budget for transformer weights %.2f GiB: %d of %d blocks"
                                    + " resident, the rest streamed from host memory%n", residency.deviceBytes() / (double) (1L << 30),
                            transformer.residentBlocks(), transformer.blockCount());
                }
                velocity.startSection(1);
                System.out.printf(Locale.ROOT, "warm-up step: %.3f s%n", section(passes, numerics, 1, manager));
                double[] sectionSeconds = new double[sections];
                ForwardLog all = new ForwardLog();
                for (int s = 0; s < sections; s++) {
                    velocity.startSection(steps);
                    sectionSeconds[s] = section(passes, numerics, steps, manager);
                    double[] run = forwards.sortedSecondsRun();
                    System.out.printf(Locale.ROOT, "section %d: %.2f s for %d steps: %d forwards run, %d skipped by"
                                    + " TeaCache; per forward run: median %.3f s, min %.3f s, max %.3f s%n",
                            s + 1, sectionSeconds[s], steps, run.length, forwards.skipped, median(run), run[0],
                            run[run.length - 1]);
                    all.add(forwards);
                }
                transformer.disableTeaCache();
                System.out.printf(Locale.ROOT, "peak memory: %s; live tensors: unavailable (DJL reads no CUDA"
                        + " allocator statistics)%n", peakMemory());
                Arrays.sort(sectionSeconds);
                System.out.printf(Locale.ROOT, "summary: model=%s device=%s precision=%s latent=%dx%d window=%d steps=%d"
                                + " text_tokens=%d cfg=%s teacache=%s resident_blocks=%d/%d sections=%d section_s=%.3f"
                                + " forward_median_s=%.3f forwards_run=%d forwards_skipped=%d peak_gpu_gib=%s"
                                + " peak_rss_gib=%s live_gib=unavailable%n",
                        summaryName(model), device.isGpu() ? "gpu" : "cpu", precision,
                        latentHeight, latentWidth, window, steps, textTokens, number(cfg), number(teaCacheThreshold),
                        transformer.residentBlocks(), transformer.blockCount(), sections, median(sectionSeconds),
                        median(all.sortedSecondsRun()), all.secondsRun.size(), all.skipped, peakGpuGib(),
                        HostMemory.peakRssGib());
                if (profile != null) {
                    JniUtils.startProfile(device.isGpu(), true, false);
                    section(passes, numerics, 1, manager);
                    JniUtils.stopProfile(profile.toString());
                    System.out.println("profiler trace of one step: " + profile);
                }
            }
        }
    }

    /** The velocity models of a step's forwards: the positive pass, and the negative one when CFG is above 1. */
    private record Passes(VelocityModel positive, VelocityModel negative) {
    }

    /** Seconds of the forwards that ran, and how many TeaCache answered from its cache instead. */
    private static final class ForwardLog {
        final List<Double> secondsRun = new ArrayList<>();
        int skipped;

        void add(ForwardLog other) {
            secondsRun.addAll(other.secondsRun);
            skipped += other.skipped;
        }

        double[] sortedSecondsRun() {
            return secondsRun.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        }
    }

    /**
     * One section as the pipeline samples it: UniPC over the shifted sigma schedule from fresh
     * noise, through the render's denoiser; returns its seconds and leaves its forwards in
     * {@link #forwards}.
     */
    private double section(Passes passes, Numerics numerics, int count, NDManager manager) {
        forwards = new ForwardLog();
        float[] sigmas = SigmaSchedule.sigmas(count, SigmaSchedule.mu(SigmaSchedule.noisyTokens(window, latentHeight,
                latentWidth)));
        Denoiser denoiser = new FlowMatchDenoiser(passes.positive(), passes.negative(), cfg, 0.0, numerics);
        try (NDManager sectionScope = manager.newSubManager()) {
            NDArray noise = sectionScope.randomNormal(new Shape(1, config.inChannels(), window, latentHeight,
                    latentWidth));
            long start = System.nanoTime();
            new FlowMatchUniPc().sample(noise, sigmas, denoiser, (step, x, denoised) -> {
                x.get(0, 0, 0, 0, 0).getFloat(); // waits for the device
                notePeakMemory();
            });
            return seconds(start);
        }
    }

    /**
     * The transformer under the conditioning of a mid-schedule section: random text, SigLIP and
     * 1×/2×/4× context latents; the negative pass (CFG above 1 only) has its own random text of the
     * same length, as a negative prompt of that many tokens would.
     */
    private Passes midScheduleSection(TransformerVelocity velocity, PackedTransformer transformer, NDManager manager) {
        long c = config.inChannels();
        long h = latentHeight;
        long w = latentWidth;
        // Indices as the inverted schedule lays them out: [start, padding, window, post, 2x, 4x].
        long first = 1;
        long post = first + window;
        NDArray latentIndices = manager.arange(first, post, 1, DataType.INT64).expandDims(0);
        TransformerInputs.PackedContext context = new TransformerInputs.PackedContext(
                new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, c, 2, h, w)),
                        manager.create(new long[][] {{0, post}})),
                new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, c, 2, h, w)),
                        manager.arange(post + 1, post + 3, 1, DataType.INT64).expandDims(0)),
                new TransformerInputs.CleanLatents(manager.randomNormal(new Shape(1, c, 16, h, w)),
                        manager.arange(post + 3, post + 19, 1, DataType.INT64).expandDims(0)));
        NDArray imageEmbeddings = manager.randomNormal(new Shape(1, SIGLIP_TOKENS, config.imageProjDim()));
        VelocityModel positive = velocity.conditionedOn(latentIndices, context, prompt(imageEmbeddings, manager));
        VelocityModel negative = cfg == 1.0 ? null
                : velocity.conditionedOn(latentIndices, context, prompt(imageEmbeddings, manager));
        return new Passes(timed(positive, transformer), negative == null ? null : timed(negative, transformer));
    }

    /** One pass's conditioning: random LLaMA states with {@code textTokens} valid, a CLIP vector, the shared image. */
    private TransformerInputs.Conditioning prompt(NDArray imageEmbeddings, NDManager manager) {
        boolean[] mask = new boolean[TEXT_LENGTH];
        Arrays.fill(mask, 0, textTokens, true);
        return new TransformerInputs.Conditioning(
                manager.randomNormal(new Shape(1, TEXT_LENGTH, config.textEmbedDim())),
                manager.create(mask).reshape(1, TEXT_LENGTH),
                manager.randomNormal(new Shape(1, config.pooledProjectionDim())),
                imageEmbeddings,
                manager.create(new float[] {GUIDANCE}));
    }

    /** {@code model} with each forward waited for on the device and logged as run or skipped by TeaCache. */
    private VelocityModel timed(VelocityModel model, PackedTransformer transformer) {
        return (noisyLatents, timestep) -> {
            int skippedBefore = transformer.teaCacheSkippedSteps();
            long start = System.nanoTime();
            NDArray velocity = model.velocity(noisyLatents, timestep);
            velocity.get(0, 0, 0, 0, 0).getFloat(); // waits for the device
            if (transformer.teaCacheSkippedSteps() > skippedBefore) {
                forwards.skipped++;
            } else {
                forwards.secondsRun.add(seconds(start));
            }
            notePeakMemory();
            return velocity;
        };
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

    private String peakGpuGib() {
        return !device.isGpu() || peakGpuBytes < 0 ? "-"
                : String.format(Locale.ROOT, "%.3f", peakGpuBytes / (double) (1L << 30));
    }

    /** The model as one summary value: its name, or a config file's name. */
    private static String summaryName(String model) {
        return MODELS.containsKey(model) ? model : Path.of(model).getFileName().toString().replaceAll("\\s", "_");
    }

    /** A setting as the summary prints it: no trailing zeros ({@code 1}, {@code 0.15}). */
    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static double median(double[] sorted) {
        return sorted[sorted.length / 2];
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
