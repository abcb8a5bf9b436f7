package io.framepack.worker.cli;

import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.RenderTable;
import io.framepack.api.worker.SpecHash;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.prompt.TimedPrompt;
import io.framepack.worker.prompt.TimedPromptException;
import io.framepack.worker.prompt.TimedPromptParser;
import io.framepack.worker.runtime.DemoModel;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.JobRunner;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Renderer;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.progress.JsonLinesProgress;
import io.framepack.worker.runtime.progress.ProgressListener;
import io.framepack.worker.runtime.progress.TerminalProgress;
import io.framepack.worker.runtime.storage.DirectoryStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** A local render. Running the same command again with the same checkpoint directory resumes it. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Render a video from an image and a prompt on this machine.")
final class GenerateCommand implements Callable<Integer> {
    enum ProgressStyle { bar, json, none }

    private final Renderer renderer;

    @Option(names = "--image", description = "Start image (PNG, JPEG, WebP).")
    Path image;
    @Option(names = "--end-image", paramLabel = "FILE|URL", description = "Image the video ends on (inverted sampling"
            + " only), resized to the start image's bucket: a file, or an http(s) URL.")
    String endImage;
    @Option(names = "--end-image-strength", paramLabel = "S", description = "What the end image's latent is multiplied"
            + " by, 0 to 1 (FramePack-Studio's end-frame strength; default 1: as it is).")
    Double endImageStrength;
    @Option(names = "--video", paramLabel = "FILE|URL", description = "An MP4 to extend forward (FramePack-Studio's video"
            + " extension; with --variant f1), in place of --image: the output is its frames, then the new ones.")
    String video;
    @Option(names = "--video-context-frames", defaultValue = "" + Formats.VIDEO_CONTEXT_FRAMES_DEFAULT, description = "Of"
            + " a video extension: FramePack-Studio's number of context frames (default ${DEFAULT-VALUE}).")
    int videoContextFrames;
    @Option(names = "--prompt", defaultValue = "", description = "What happens in the video; timed prompts as in"
            + " FramePack-Studio: '[0s: a cat sits] [2s: the cat jumps] [4s-5s: it lands]'.")
    String prompt;
    @Option(names = "--prompt-blend-sections", defaultValue = "0", description = "Sections over which a change of timed"
            + " prompt is blended (default ${DEFAULT-VALUE}: none).")
    int promptBlendSections;
    @Option(names = "--negative-prompt", defaultValue = "", description = "Only used when --cfg > 1.")
    String negativePrompt;
    // The render settings: one option each, named after the field (see optionName), defaults from the table.
    @Option(names = "--seconds", defaultValue = RenderTable.DEFAULT_SECONDS,
            description = "Requested duration (default ${DEFAULT-VALUE}).")
    double seconds;
    @Option(names = "--seed", defaultValue = RenderTable.DEFAULT_SEED)
    long seed;
    @Option(names = "--variant", defaultValue = RenderTable.DEFAULT_VARIANT,
            description = "inverted (FramePack) or f1 (FramePack-F1).")
    RenderSettings.Variant variant;
    @Option(names = "--steps", defaultValue = RenderTable.DEFAULT_STEPS)
    int steps;
    @Option(names = "--distilled-guidance", defaultValue = RenderTable.DEFAULT_DISTILLED_GUIDANCE)
    double distilledGuidance;
    @Option(names = "--cfg", defaultValue = RenderTable.DEFAULT_CFG,
            description = "Real CFG scale; 1 disables the negative pass.")
    double cfg;
    @Option(names = "--cfg-rescale", defaultValue = RenderTable.DEFAULT_CFG_RESCALE)
    double cfgRescale;
    @Option(names = "--latent-window-size", defaultValue = RenderTable.DEFAULT_LATENT_WINDOW_SIZE,
            description = "Latent frames generated per section.")
    int latentWindowSize;
    @Option(names = "--resolution", defaultValue = RenderTable.DEFAULT_RESOLUTION, description = "Resolution bucket"
            + " family (default ${DEFAULT-VALUE}, the table FramePack was trained with; with --demo: the tiny model's 64).")
    int resolution;
    @Option(names = "--crf", defaultValue = RenderTable.DEFAULT_CRF, description = "x264 constant rate factor.")
    int crf;
    @Option(names = "--teacache", negatable = true, defaultValue = RenderTable.DEFAULT_TEACACHE, fallbackValue = "true")
    boolean teaCache;
    @Option(names = "--teacache-threshold", defaultValue = RenderTable.DEFAULT_TEACACHE_THRESHOLD)
    double teaCacheThreshold;
    @Option(names = "--model-dir", description = "Directory with the official Hugging Face model folders.")
    Path modelDir;
    @Option(names = "--lora", paramLabel = "FILE[:SCALE]", description = "A LoRA of the transformer (safetensors,"
            + " diffusers/PEFT or kohya/musubi-tuner names) merged at load with its multiplier (default 1, from -4 to 4);"
            + " repeat for up to 4, merged in order.")
    List<String> loras = new ArrayList<>();
    @Option(names = "--demo", description = "Use the tiny random-weights model bundled with the worker: the whole "
            + "pipeline on a CPU in seconds; the video is noise.")
    boolean demo;
    @Option(names = "--out", defaultValue = "framepack.mp4", description = "Output MP4 (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--checkpoint-dir", description = "Default: <out>.checkpoints next to the output.")
    Path checkpointDir;
    @Option(names = "--from", paramLabel = "CHECKPOINT_DIR", description = "Re-roll an earlier render: start from its"
            + " checkpoint (its --checkpoint-dir) after --from-section sections, sharing its stored frames; this"
            + " command's seed and prompts render the rest. Model, resolution, window, variant, length and image must match.")
    Path from;
    @Option(names = "--from-section", paramLabel = "k", description = "With --from: how many of that render's finished"
            + " sections to keep (1: after its first).")
    Integer fromSection;
    @Option(names = "--checkpoint-every", defaultValue = WorkerJob.DEFAULT_CHECKPOINT_EVERY)
    int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = WorkerJob.DEFAULT_KEEP_CHECKPOINTS)
    int keepCheckpoints;
    @Option(names = "--device", description = "cpu or gpu (default: gpu when one is visible).")
    String device;
    @Option(names = "--gpu-memory", paramLabel = "GiB", description = "GPU memory the render may use (default: what"
            + " the GPU has free at start); below what the model needs, the VAE is tiled and transformer blocks are"
            + " streamed from host memory.")
    Double gpuMemory;
    @Option(names = "--progress", defaultValue = "bar", description = "bar, json (one JSON object per line on stdout) or none.")
    ProgressStyle progressStyle;
    @Option(names = "--grace-seconds", defaultValue = "30", description = "Time from SIGTERM to the forced exit.")
    int graceSeconds;
    @Spec
    CommandSpec spec;

    GenerateCommand(Renderer renderer) {
        this.renderer = renderer;
    }

    @Override
    public Integer call() {
        ProgressListener progress = switch (progressStyle) {
            case json -> new JsonLinesProgress(System.out);
            case bar -> new TerminalProgress(System.err, System.console() != null);
            case none -> event -> { };
        };
        RenderSettings settings = settings();
        if (endImage == null && endImageStrength != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--end-image-strength needs --end-image");
        }
        if (endImage != null && variant == RenderSettings.Variant.f1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--end-image needs --variant inverted: F1 renders"
                    + " forward from the start image and has no end frame");
        }
        try {
            new SettingsCheck().render(settings, GenerateCommand::optionName)
                    // Its strength's bounds; F1 with an end image is a usage error, answered above.
                    .endImage("--end-image", "--end-image-strength", endImageStrength, null)
                    .text("--prompt", prompt, Formats.PROMPT_MAX)
                    .text("--negative-prompt", negativePrompt, Formats.PROMPT_MAX)
                    .range("--prompt-blend-sections", promptBlendSections, 0, Formats.PROMPT_BLEND_SECTIONS_MAX)
                    .range("--video-context-frames", videoContextFrames, Formats.VIDEO_CONTEXT_FRAMES_MIN,
                            Formats.VIDEO_CONTEXT_FRAMES_MAX)
                    .range("--checkpoint-every", checkpointEvery, 1, Integer.MAX_VALUE)
                    .range("--keep-checkpoints", keepCheckpoints, 1, WorkerJob.MAX_KEEP_CHECKPOINTS)
                    .range("--grace-seconds", graceSeconds, WorkerContract.MIN_GRACE_SECONDS, WorkerContract.MAX_GRACE_SECONDS)
                    .device("--device", device)
                    .range("--from-section", fromSection == null ? 1 : fromSection, 1, Formats.INT_MAX)
                    .orThrow();
        } catch (InvalidInputException e) {
            return JobRunner.failed(progress, e).code;
        }
        return Launch.render(Duration.ofSeconds(graceSeconds), progress, renderer, () -> job(settings)).code;
    }

    private RenderSettings settings() {
        RenderSettings settings = new RenderSettings();
        settings.seconds = seconds;
        settings.seed = seed;
        settings.variant = variant;
        settings.steps = steps;
        settings.distilledGuidance = distilledGuidance;
        settings.cfg = cfg;
        settings.cfgRescale = cfgRescale;
        settings.latentWindowSize = latentWindowSize;
        settings.resolution = resolution;
        settings.crf = crf;
        settings.teaCache.enabled = teaCache;
        settings.teaCache.threshold = teaCacheThreshold;
        return settings;
    }

    /** The option of a render setting: {@code distilledGuidance} is {@code --distilled-guidance}. */
    static String optionName(String field) {
        if (field.equals("teaCache.enabled")) {
            return "--teacache";
        }
        return "--" + field.replace("teaCache.", "teacache-").replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    private Launch.Job job(RenderSettings settings) {
        RenderPlan plan;
        try {
            plan = plan(settings);
        } catch (IOException e) {
            // Locally, a file that cannot be read is the user's input.
            throw new InvalidInputException(InvalidInputException.INPUT, e.getMessage(), e);
        }
        Path output = out.toAbsolutePath();
        Path checkpoints = checkpointDir != null ? checkpointDir
                : output.resolveSibling(baseName(output) + ".checkpoints");
        return new Launch.Job(plan, new DirectoryStore(checkpoints), keepCheckpoints, new DirectoryStore(output.getParent()),
                Path.of(System.getProperty("java.io.tmpdir")), reroll(checkpoints));
    }

    /** Where a re-roll starts, or null for a render from the first section. */
    private CheckpointStore.Reroll reroll(Path checkpoints) {
        if (from == null) {
            return null;
        }
        if (from.toAbsolutePath().normalize().equals(checkpoints.toAbsolutePath().normalize())) {
            throw new InvalidInputException(InvalidInputException.INPUT, "--from names this render's own checkpoint"
                    + " directory; give the earlier render's, and another --out or --checkpoint-dir for the re-roll");
        }
        return new CheckpointStore.Reroll(new DirectoryStore(from), fromSection, Stores.localCheckpointDirectories());
    }

    private RenderPlan plan(RenderSettings settings) throws IOException {
        Path models = modelDir;
        if (demo) {
            System.err.println("Demo: the bundled tiny model has RANDOM weights; the video shows noise, not your prompt.");
            models = modelDir != null ? modelDir : DemoModel.directory(cacheDir());
            if (!spec.commandLine().getParseResult().hasMatchedOption("--resolution")) {
                // Below the bounds of real renders, which were checked: the tiny model's own size.
                settings.resolution = DemoModel.RESOLUTION;
            }
        }
        if (models == null) {
            throw new InvalidInputException(InvalidInputException.INPUT, "give --model-dir, or --demo for the bundled tiny model");
        }
        if (image == null && video == null && !demo) {
            throw new InvalidInputException(InvalidInputException.INPUT, "give --image (or --video to extend one)");
        }
        if (image != null && video != null) {
            throw new InvalidInputException(InvalidInputException.INPUT, "give --image or --video, not both: a video"
                    + " extension starts from the video's last frame");
        }
        byte[] videoBytes = video == null ? null : videoBytes(video);
        byte[] imageBytes = videoBytes != null ? null : image != null ? ImageSources.file(image) : DemoModel.image();
        byte[] endImageBytes = endImage == null ? null : endImageBytes();
        double strength = endImageStrength == null ? InputSpec.DEFAULT_END_IMAGE_STRENGTH : endImageStrength;
        List<TimedPrompt> prompts;
        try {
            prompts = TimedPromptParser.parse(prompt);
        } catch (TimedPromptException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, "--prompt: " + e.getMessage(), e);
        }
        LoraSources.checkCount("--lora", loras.size());
        List<RenderPlan.Lora> scaledLoras = loras.stream().map(LoraSources::parse).toList();
        String specHash = videoBytes != null
                ? SpecHash.ofLocalVideo(prompt, promptBlendSections, negativePrompt, videoBytes, videoContextFrames, settings)
                : SpecHash.ofLocal(prompt, promptBlendSections, negativePrompt, imageBytes, endImageBytes,
                        endImageStrength, settings);
        if ((from == null) != (fromSection == null)) {
            throw new InvalidInputException(InvalidInputException.INPUT, "give --from and --from-section together");
        }
        if (from != null) {
            specHash = SpecHash.rerolled(specHash, from.toAbsolutePath().normalize().toString(), fromSection);
        }
        return new RenderPlan(new RenderPlan.Identity("local/" + specHash, specHash, Launch.modelId(models, scaledLoras)),
                new RenderPlan.Inputs(prompts, promptBlendSections, negativePrompt, imageBytes, endImageBytes, strength,
                        videoBytes == null ? null : new RenderPlan.Video(videoBytes, videoContextFrames)),
                settings,
                new RenderPlan.Outputs(baseName(out.toAbsolutePath()), checkpointEvery),
                new RenderPlan.Resources(models, device, gpuMemory == null ? null : (long) (gpuMemory * (1L << 30)),
                        scaledLoras));
    }

    /**
     * {@code --end-image}'s bytes: downloaded when it is an http(s) URL (with the cluster's URL policy,
     * {@code FRAMEPACK_URL_ALLOWLIST} opening private addresses), else read as a file.
     */
    private byte[] endImageBytes() throws IOException {
        String scheme = endImage.contains("://") ? endImage.substring(0, endImage.indexOf("://")).toLowerCase(Locale.ROOT) : "";
        WorkerJob.ImageInput source = new WorkerJob.ImageInput();
        if (scheme.equals("http") || scheme.equals("https")) {
            source.url = endImage;
        } else {
            source.file = endImage;
        }
        return ImageSources.readEndImage(source, Path.of(System.getProperty("java.io.tmpdir")),
                new ImageDownload(UrlPolicy.allowing(System.getenv(WorkerContract.URL_ALLOWLIST_ENV)), ImageDownload.Limits.DEFAULT));
    }

    /** The video's bytes from a file, or from an http(s) URL under the worker's download bounds. */
    private static byte[] videoBytes(String source) throws IOException {
        String lower = source.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            // The worker's bounds on size and time, and its policy: internal addresses only where allowed.
            return new ImageDownload(UrlPolicy.allowing(System.getenv(WorkerContract.URL_ALLOWLIST_ENV)),
                    ImageDownload.Limits.DEFAULT, "video").get(source);
        }
        return ImageSources.videoFile(Path.of(source));
    }

    /** Where the demo model unpacks: {@code FRAMEPACK_CACHE_DIR} (set by the launcher) or the temp directory. */
    private static Path cacheDir() {
        String configured = System.getenv("FRAMEPACK_CACHE_DIR");
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"), "framepack-cache");
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".mp4") ? name.substring(0, name.length() - 4) : name;
    }
}
