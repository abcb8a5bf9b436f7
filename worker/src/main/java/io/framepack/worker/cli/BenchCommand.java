package io.framepack.worker.cli;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.RenderTable;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.bench.CheckpointBench;
import io.framepack.worker.bench.KernelThroughput;
import io.framepack.worker.bench.LatentSize;
import io.framepack.worker.bench.RenderBench;
import io.framepack.worker.bench.ScratchFiles;
import io.framepack.worker.bench.TransformerBench;
import io.framepack.worker.bench.VaeBench;
import io.framepack.worker.runtime.DemoModel;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.runtime.storage.S3Store;
import io.framepack.worker.tensor.Precision;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;

/** Measurements of this machine and its storage, with numbers to compare against the official code. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure a whole render, the transformer, the VAE or the kernels (speed and memory), or what "
                + "checkpoints cost on a storage.",
        subcommands = {BenchCommand.Transformer.class, BenchCommand.Vae.class, BenchCommand.Kernels.class,
                BenchCommand.Checkpoints.class, BenchCommand.Render.class})
final class BenchCommand {
    enum DeviceKind { cpu, gpu }

    static final class LatentSizeConverter implements CommandLine.ITypeConverter<LatentSize> {
        @Override
        public LatentSize convert(String text) {
            try {
                return LatentSize.parse(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Command(name = "transformer", mixinStandardHelpOptions = true,
            description = "Seconds per forward and per section and peak memory of the packed transformer with "
                    + "random weights (no model files needed).")
    static final class Transformer implements Callable<Integer> {
        @Option(names = "--model", defaultValue = "tiny",
                description = "tiny, mid, full (the released 13 B architecture) or a transformer config.json.")
        String model;
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu.")
        DeviceKind device;
        @Option(names = "--precision", description = "FLOAT32 or BFLOAT16 (default: BFLOAT16 on a GPU).")
        Precision precision;
        @Option(names = "--latent", converter = LatentSizeConverter.class,
                description = "Latent HxW (default: 80x76, the 640 bucket, for full; 16x16 otherwise).")
        LatentSize latent;
        @Option(names = "--window", defaultValue = RenderTable.DEFAULT_LATENT_WINDOW_SIZE, description = "Latent frames per section.")
        int window;
        @Option(names = "--steps", defaultValue = RenderTable.DEFAULT_STEPS)
        int steps;
        @Option(names = "--sections", defaultValue = "1")
        int sections;
        @Option(names = "--text-tokens", defaultValue = "64")
        int textTokens;
        @Option(names = "--teacache", defaultValue = "0",
                description = "TeaCache threshold for the measured sections (the official demo uses 0.15); 0 is off.")
        double teaCache;
        @Option(names = "--cfg", paramLabel = "SCALE", defaultValue = RenderTable.DEFAULT_CFG,
                description = "Real classifier-free guidance scale (default ${DEFAULT-VALUE}); above 1 every step runs a"
                        + " second, negative-prompt forward, as a render with that guidance does.")
        double cfg;
        @Option(names = "--profile", description = "Write a PyTorch profiler trace of one step to this file.")
        Path profile;
        @Option(names = "--gpu-memory", paramLabel = "GiB", description = "A render's GPU memory budget: the transformer"
                + " keeps on the device what the worker's Streamed tier would (the budget less the reserve and the tiled"
                + " VAE decode) and streams the other blocks from host memory.")
        Double gpuMemory;

        @Override
        public Integer call() throws IOException {
            String invalid = invalidSetting();
            if (invalid != null) {
                System.err.println(invalid);
                return ExitCode.INVALID_INPUT.code;
            }
            TransformerBench.run(TransformerBench.Options.of(model, device == DeviceKind.gpu, precision, latent, window,
                    steps, sections, textTokens, teaCache, cfg, profile,
                    gpuMemory == null ? null : (long) (gpuMemory * (1L << 30))));
            return 0;
        }

        /** What is wrong with the options, before anything is built; null when nothing is. */
        private String invalidSetting() {
            if (!(cfg >= RenderTable.MIN_GUIDANCE && cfg <= RenderTable.MAX_GUIDANCE)) {
                return "--cfg must be between " + RenderTable.MIN_GUIDANCE + " and " + RenderTable.MAX_GUIDANCE
                        + " (1 is off), got " + cfg;
            }
            if (!(teaCache >= 0)) {
                return "--teacache must be 0 (off) or above, got " + teaCache;
            }
            if (steps < 1 || sections < 1 || window < 1) {
                return "--steps, --sections and --window must be at least 1";
            }
            if (gpuMemory != null && !(gpuMemory > 0)) {
                return "--gpu-memory must be above 0 GiB";
            }
            return null;
        }
    }

    @Command(name = "vae", mixinStandardHelpOptions = true,
            description = "Seconds and device memory of the released VAE's decode of one section, with random weights, "
                    + "in whole frames or in the official low-VRAM spatial tiles.")
    static final class Vae implements Callable<Integer> {
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu.")
        DeviceKind device;
        @Option(names = "--latent", converter = LatentSizeConverter.class, defaultValue = "80x80",
                description = "Latent HxW (80x80: 640x640 pixels).")
        LatentSize latent;
        @Option(names = "--frames", defaultValue = "18", description = "Latent frames (18 decode to 69 pixel frames).")
        int frames;
        @Option(names = "--tiled", description = "Decode in the official low-VRAM spatial tiles.")
        boolean tiled;
        @Option(names = "--runs", defaultValue = "2")
        int runs;

        @Override
        public Integer call() {
            VaeBench.run(device == DeviceKind.gpu, latent, frames, tiled, runs);
            return 0;
        }
    }

    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = "Throughput of a square matrix product and of scaled-dot-product attention at the full-size "
                    + "sequence, as the worker runs them (bfloat16 through the kernel pack on a GPU).")
    static final class Kernels implements Callable<Integer> {
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu.")
        DeviceKind device;
        @Option(names = "--matrix", defaultValue = "8192", description = "Side of the square matrices.")
        long matrix;
        @Option(names = "--tokens", defaultValue = "18293", description = "Attention sequence length (a 640 section).")
        long tokens;
        @Option(names = "--heads", defaultValue = "24")
        long heads;
        @Option(names = "--head-dim", defaultValue = "128")
        long headDim;

        @Override
        public Integer call() {
            KernelThroughput.run(device == DeviceKind.gpu, matrix, tokens, heads, headDim);
            return 0;
        }
    }

    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "A whole job as generate runs it (text encoders, SigLIP, VAE encode, every section's sampling, "
                    + "decode and soft append, the MP4), timed phase by phase, with its peak GPU and host memory. "
                    + "Writes its checkpoints and video to a temporary directory and deletes them.")
    static final class Render implements Callable<Integer> {
        enum ModelSize { tiny, full }

        @Option(names = "--model", defaultValue = "tiny", description = "tiny (the bundled random-weights demo model,"
                + " runs on a CPU) or full (the released sizes: give their folders with --model-dir).")
        ModelSize model;
        @Option(names = "--model-dir", description = "A model directory in the official layout (for full: the released"
                + " weights, or random ones of their shapes).")
        Path modelDir;
        @Option(names = "--image", description = "Start image (default: the demo image).")
        Path image;
        @Option(names = "--seconds", defaultValue = "1", description = "Video length (default ${DEFAULT-VALUE}).")
        double seconds;
        @Option(names = "--resolution", description = "Bucket resolution in pixels (default: 640 for full, the demo"
                + " model's 64 for tiny); the latent is an eighth of it.")
        Integer resolution;
        @Option(names = "--window", defaultValue = RenderTable.DEFAULT_LATENT_WINDOW_SIZE, description = "Latent frames per section.")
        int window;
        @Option(names = "--steps", defaultValue = RenderTable.DEFAULT_STEPS)
        int steps;
        @Option(names = "--teacache", defaultValue = "0",
                description = "TeaCache threshold (the official demo uses 0.15); 0 is off.")
        double teaCache;
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu.")
        DeviceKind device;
        @Option(names = "--gpu-memory", paramLabel = "GiB", description = "The render's GPU memory budget, which picks"
                + " its memory tier as for generate (default: what the GPU has free).")
        Double gpuMemory;

        @Override
        public Integer call() throws IOException {
            Path models = modelDir;
            if (models == null && model == ModelSize.full) {
                System.err.println("bench render --model full needs --model-dir: the loaders read model files, and"
                        + " random weights of the released sizes would be about 45 GB on disk");
                return ExitCode.INVALID_INPUT.code;
            }
            RenderSettings settings = settings();
            try {
                new SettingsCheck().render(settings, field -> "--" + field.replace("latentWindowSize", "window")
                                .replace("teaCache.threshold", "teacache"))
                        .device("--device", device.name())
                        .orThrow();
                if (gpuMemory != null && !(gpuMemory > 0)) {
                    throw new InvalidInputException(InvalidInputException.INPUT, "--gpu-memory must be above 0 GiB");
                }
            } catch (InvalidInputException e) {
                System.err.println(e.getMessage());
                return ExitCode.INVALID_INPUT.code;
            }
            Path unpacked = models == null ? Files.createTempDirectory("framepack-bench-model-") : null;
            try {
                if (unpacked != null) {
                    models = DemoModel.directory(unpacked);
                }
                if (resolution == null && model == ModelSize.tiny) {
                    // Below the bounds of real renders, which were checked: the tiny model's own size.
                    settings.resolution = DemoModel.RESOLUTION;
                }
                byte[] start = image != null ? ImageSources.file(image) : DemoModel.image();
                return RenderBench.run(models, start, settings, device.name(),
                        gpuMemory == null ? null : (long) (gpuMemory * (1L << 30)), System.out) ? 0 : 1;
            } finally {
                if (unpacked != null) {
                    ScratchFiles.deleteTree(unpacked);
                }
            }
        }

        /** The job's settings as given; the resolution defaults to the official 640 bucket. */
        private RenderSettings settings() {
            RenderSettings settings = new RenderSettings();
            settings.seconds = seconds;
            settings.steps = steps;
            settings.latentWindowSize = window;
            if (resolution != null) {
                settings.resolution = resolution;
            }
            settings.teaCache.enabled = teaCache > 0;
            if (teaCache > 0) {
                settings.teaCache.threshold = teaCache;
            }
            return settings;
        }
    }

    @Command(name = "checkpoints", mixinStandardHelpOptions = true,
            description = "Saves the checkpoints of a whole job (random contents, no model) to a directory or an "
                    + "S3 prefix and reports bytes and seconds per save, and the share of a section's time. "
                    + "Holds the job's pixel history in memory twice over (about 10 GB for 60 s at 640).")
    static final class Checkpoints implements Callable<Integer> {
        @ArgGroup
        Target target;
        @Option(names = "--sections", defaultValue = "50",
                description = "Sections of the job (default ${DEFAULT-VALUE}: 60 s at the demo settings).")
        int sections;
        @Option(names = "--latent", defaultValue = "80x76", converter = LatentSizeConverter.class,
                description = "Latent HxW (default ${DEFAULT-VALUE}: 640x608 pixels).")
        LatentSize latent;
        @Option(names = "--window", defaultValue = "9")
        int window;
        @Option(names = "--keep", defaultValue = "2")
        int keep;
        @Option(names = "--section-seconds", defaultValue = "28.75",
                description = "Time of one section, to express the cost as a share (default: one H100, 640 bucket).")
        double sectionSeconds;

        static final class Target {
            @Option(names = "--dir", description = "Directory to write to (default: a temporary directory).")
            Path dir;
            @ArgGroup(exclusive = false)
            S3 s3;
        }

        static final class S3 {
            @Option(names = "--s3-bucket", required = true)
            String bucket;
            @Option(names = "--s3-prefix", defaultValue = "framepack-bench/",
                    description = "The run writes below <prefix>/run-<id>/ and deletes only that afterwards.")
            String prefix;
            @Option(names = "--s3-endpoint")
            String endpoint;
            @Option(names = "--s3-region")
            String region;
            @Option(names = "--s3-path-style")
            boolean pathStyle;
        }

        @Override
        public Integer call() throws IOException {
            Path scratch = Files.createTempDirectory("framepack-bench-");
            ObjectStore store = open(scratch);
            List<CheckpointBench.Save> saves = new ArrayList<>();
            PrintStream out = System.out;
            out.printf(Locale.ROOT, "checkpoints of %d sections, latent %dx%dx%d frames per section, into %s%n",
                    sections, latent.height(), latent.width(), window, store.location());
            try {
                CheckpointBench.run(store, sections, latent, window, keep,
                        save -> {
                            saves.add(save);
                            out.printf(Locale.ROOT, "after section %d: %d frames, wrote %.1f MB of %.1f MB: "
                                            + "copied in %.3f s, written in %.3f s%n",
                                    save.sectionsCompleted(), save.pixelFrames(), save.bytesWritten() / 1e6,
                                    save.checkpointBytes() / 1e6, save.copySeconds(), save.writeSeconds());
                        });
            } finally {
                if (store instanceof S3Store s3) {
                    for (String key : s3.list("")) {
                        s3.delete(key);
                    }
                    s3.close();
                } else if (store instanceof DirectoryStore directory) {
                    ScratchFiles.deleteTree(directory.root());
                }
                ScratchFiles.deleteTree(scratch);
            }
            double written = saves.stream().mapToLong(CheckpointBench.Save::bytesWritten).average().orElse(0);
            double copy = saves.stream().mapToDouble(CheckpointBench.Save::copySeconds).average().orElse(0);
            double write = saves.stream().mapToDouble(CheckpointBench.Save::writeSeconds).average().orElse(0);
            double slowestWrite = saves.stream().mapToDouble(CheckpointBench.Save::writeSeconds).max().orElse(0);
            out.printf(Locale.ROOT, "per save: %.1f MB written; the render waits %.3f s for the copy = %.2f %% of a "
                    + "%.2f s section; the write (%.3f s mean, %.3f s max) runs during the next section%s%n",
                    written / 1e6, copy, 100 * copy / sectionSeconds, sectionSeconds, write, slowestWrite,
                    slowestWrite > sectionSeconds ? ", BUT IS SLOWER THAN A SECTION: the render will wait for it" : "");
            return 0;
        }

        private ObjectStore open(Path scratch) {
            if (target != null && target.s3 != null) {
                S3Location location = new S3Location();
                location.bucket = target.s3.bucket;
                String prefix = target.s3.prefix;
                location.prefix = (prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/")
                        + "run-" + UUID.randomUUID().toString().substring(0, 8) + "/";
                location.endpoint = target.s3.endpoint;
                location.region = target.s3.region;
                location.pathStyle = target.s3.pathStyle;
                return S3Store.connect(location, scratch.resolve("uploads"));
            }
            return new DirectoryStore(target != null && target.dir != null
                    ? target.dir.resolve("framepack-bench-" + ProcessHandle.current().pid()) : scratch.resolve("checkpoints"));
        }
    }
}
