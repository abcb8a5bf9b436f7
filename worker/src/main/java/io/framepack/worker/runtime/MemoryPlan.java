package io.framepack.worker.runtime;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.framepack.api.worker.MemoryTier;
import io.framepack.worker.transformer.BlockResidency;

import java.lang.management.MemoryUsage;
import java.util.Locale;

/**
 * What a render keeps on its GPU, chosen once at start from a memory budget: the transformer and
 * VAE resident with whole-frame decodes when everything fits, else the VAE tiled in space, else
 * also only as many transformer blocks resident as fit beside the VAE's tiled decode.
 *
 * <p>The estimates (bytes, not measured at run time) and where they come from:
 * <ul>
 *   <li>{@link #RESERVE_BYTES}: the CUDA context, cuBLAS/cuDNN workspaces and the VAE's fp16
 *       weights (0.5 GB), held whatever the tier.</li>
 *   <li>VAE decode: the official decode of one temporal tile (17 frames) at 640×640 held
 *       {@value #UNTILED_DECODE_GIB_AT_640} GiB on an H200; the estimate scales that with the
 *       frame's pixels, and for a tiled decode with the pixels of one 256×256 tile (7.5 GiB).</li>
 *   <li>Transformer activations: {@value #ACTIVATION_VALUES_PER_TOKEN} values of the hidden size
 *       per token in bf16, tokens ≈ (H/16)·(W/16)·(window + 3): 3.5 GiB at 640×640, window 9 (the
 *       worker measured 27.7 GiB held with 25.7 GB of weights there).</li>
 * </ul>
 * The VAE decode runs between sections while the transformer's resident weights stay, so those
 * weights must fit beside the larger of the two working sets. The encoders run before the others
 * are loaded; when their float32 weights and {@link #ENCODER_ACTIVATION_BYTES} do not fit beside the
 * reserve, they run on the CPU (a few seconds of the host's cores, once per render).
 *
 * @param cpuEncoders whether the text and image encoders run on the CPU
 * @param transformer the device budget of the transformer's weights
 */
public record MemoryPlan(MemoryTier tier, boolean tiledVae, boolean cpuEncoders, BlockResidency transformer,
                         Budget budget) {
    static final long GIB = 1L << 30;
    public static final long RESERVE_BYTES = 3 * GIB / 2;
    static final double UNTILED_DECODE_GIB_AT_640 = 46.8;
    static final int ACTIVATION_VALUES_PER_TOKEN = 32;
    static final long ENCODER_ACTIVATION_BYTES = GIB;
    private static final int TILE_PIXELS = 256;

    /**
     * GPU memory the render may use.
     *
     * @param bytes  {@link Long#MAX_VALUE} for no limit
     * @param source where the number came from, for the report
     */
    public record Budget(long bytes, String source) {
        public static final Budget UNLIMITED = new Budget(Long.MAX_VALUE, "no limit");

        public Budget {
            if (bytes <= 0) {
                throw new InvalidInputException(InvalidInputException.INPUT,
                        "the GPU memory budget must be positive, got " + bytes + " bytes");
            }
        }

        /**
         * The requested budget ({@code --gpu-memory}, {@code spec.resources.gpuMemory}) when there
         * is one, else the GPU's free memory now, else (CPU) no limit.
         */
        public static Budget of(Long requestedBytes, Device device) {
            if (requestedBytes != null) {
                return new Budget(requestedBytes, "requested");
            }
            if (!device.isGpu()) {
                return UNLIMITED;
            }
            try {
                MemoryUsage usage = CudaUtils.getGpuMemory(device);
                return new Budget(usage.getMax() - usage.getUsed(), "free on " + device);
            } catch (RuntimeException | LinkageError e) {
                // DJL asks cudart through JNA; without it the render still runs, with everything resident.
                return new Budget(Long.MAX_VALUE, "free memory of " + device + " unreadable (" + e + "), no limit");
            }
        }

        boolean unlimited() {
            return bytes == Long.MAX_VALUE;
        }
    }

    /**
     * The plan for a render of {@code pixelHeight}×{@code pixelWidth} frames whose transformer
     * holds {@code transformerBytes} of weights with hidden size {@code innerDim}.
     *
     * @throws InvalidInputException when the budget cannot hold even the tiled VAE decode beside
     *                               the transformer's first block
     */
    public static MemoryPlan choose(Budget budget, long encoderBytes, long transformerBytes, int innerDim,
                                    long pixelHeight, long pixelWidth, int window) {
        if (budget.unlimited()) {
            return new MemoryPlan(MemoryTier.Resident, false, false, BlockResidency.ALL, budget);
        }
        long available = budget.bytes() - RESERVE_BYTES;
        boolean cpuEncoders = available < encoderBytes + ENCODER_ACTIVATION_BYTES;
        long activations = activationBytes(innerDim, pixelHeight, pixelWidth, window);
        if (available >= transformerBytes + Math.max(activations, decodeBytes(pixelHeight, pixelWidth, false))) {
            return new MemoryPlan(MemoryTier.Resident, false, cpuEncoders, BlockResidency.ALL, budget);
        }
        long besideDecode = transformerDeviceBytes(budget, innerDim, pixelHeight, pixelWidth, window);
        if (besideDecode >= transformerBytes) {
            return new MemoryPlan(MemoryTier.TiledVae, true, cpuEncoders, BlockResidency.ALL, budget);
        }
        if (besideDecode <= 0) {
            throw new InvalidInputException(InvalidInputException.INPUT, String.format(Locale.ROOT,
                    "a GPU memory budget of %.1f GiB (%s) cannot hold the tiled VAE decode (%.1f GiB estimated) and "
                            + "the transformer's activations (%.1f GiB) beside %.1f GiB of reserve; at least %.1f GiB "
                            + "plus some transformer blocks is needed", gib(budget.bytes()), budget.source(),
                    gib(decodeBytes(pixelHeight, pixelWidth, true)), gib(activations), gib(RESERVE_BYTES),
                    gib(budget.bytes() - besideDecode)));
        }
        return new MemoryPlan(MemoryTier.Streamed, true, cpuEncoders, new BlockResidency(besideDecode), budget);
    }

    /**
     * The transformer weights that fit a limited budget beside the reserve and the larger of the
     * tiled decode and the activations (what the Streamed tier keeps resident); may be 0 or less.
     */
    public static long transformerDeviceBytes(Budget budget, int innerDim, long pixelHeight, long pixelWidth,
                                              int window) {
        return budget.bytes() - RESERVE_BYTES - Math.max(activationBytes(innerDim, pixelHeight, pixelWidth, window),
                decodeBytes(pixelHeight, pixelWidth, true));
    }

    /** The estimated device memory of one VAE decode (one temporal tile) of frames this size. */
    public static long decodeBytes(long pixelHeight, long pixelWidth, boolean tiled) {
        long pixels = tiled ? Math.min(pixelHeight, TILE_PIXELS) * Math.min(pixelWidth, TILE_PIXELS)
                : pixelHeight * pixelWidth;
        return (long) (UNTILED_DECODE_GIB_AT_640 * GIB * pixels / (640.0 * 640.0));
    }

    /** The estimated activations of one transformer forward at this size. */
    static long activationBytes(int innerDim, long pixelHeight, long pixelWidth, int window) {
        long tokens = (pixelHeight / 16) * (pixelWidth / 16) * (window + 3L);
        return tokens * innerDim * ACTIVATION_VALUES_PER_TOKEN * 2;
    }

    /** One line for the log and the status: the tier, the budget and what stayed resident. */
    public String describe(int residentBlocks, int blocks) {
        String limit = budget.unlimited() ? "no GPU memory limit"
                : String.format(Locale.ROOT, "GPU memory budget %.1f GiB (%s)", gib(budget.bytes()), budget.source());
        return String.format(Locale.ROOT, "Memory tier %s: %s; %d of %d transformer blocks resident%s; VAE %s;"
                        + " encoders ran %s", tier, limit, residentBlocks, blocks,
                residentBlocks < blocks ? ", the rest streamed from host memory" : "",
                tiledVae ? "tiled in 256-pixel tiles" : "decodes whole frames", cpuEncoders ? "on the CPU" : "beside the transformer");
    }

    private static double gib(long bytes) {
        return bytes / (double) GIB;
    }
}
