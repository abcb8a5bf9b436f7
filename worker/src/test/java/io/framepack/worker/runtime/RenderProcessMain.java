package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.prompt.TimedPromptParser;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.input.TestVideos;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.JsonLinesProgress;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.LimitedChannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A render in its own process, for tests that kill it: JSON-lines progress on stdout, SIGTERM
 * handling as in the worker. Arguments: {@code renderer checkpointDir outputDir stallOn}; with
 * {@code stallOn} other than {@code none}, a checkpoint object whose path contains it stops
 * half-written (announced as {@code {"event":"stalled"}}) until the process is killed.
 */
public final class RenderProcessMain {
    /** {@code tiny-timed}: three sections of three prompts, each change blended over two sections. */
    private static final RenderPlan.Inputs TIMED_PROMPTS = new RenderPlan.Inputs(
            TimedPromptParser.parse("[0s: a cat walks] [1.2s: the cat jumps] [2.4s: it lands]"), 2, "", DemoModel.image());

    /** {@code tiny-lora}: two LoRAs of the creative goldens, stacked on one layer, merged at load. */
    private static final Path LORAS = Path.of("src/test/resources/goldens/creative").toAbsolutePath();

    /** {@code tiny-end}: the inverted render ending on a gradient image at strength 0.8. */
    private static final RenderPlan.Inputs END_IMAGE = TinyPlans.withEndImage(96, 64, 0.8);

    private RenderProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        String renderer = args[0];
        Path checkpoints = Path.of(args[1]);
        Path output = Path.of(args[2]);
        String stallOn = args[3];
        DirectoryStore store = "none".equals(stallOn) ? new DirectoryStore(checkpoints)
                : new DirectoryStore(checkpoints, path -> path.toString().contains(stallOn)
                ? new LimitedChannel(path, 100, RenderProcessMain::stall)
                : DirectoryStore.ChannelOpener.CREATE_NEW.open(path));
        JsonLinesProgress progress = new JsonLinesProgress(System.out);
        Termination termination = Termination.install(Duration.ofSeconds(20), ExitCode.TERMINATED.code, () -> { });
        RenderSettings settings = new RenderSettings();
        Path models = null;
        if (renderer.startsWith("tiny-")) {
            // tiny-reroll: the source's settings but the seed, so that its last two sections differ from the source's.
            // The bundled tiny model: 3 sections of 3 steps at 64-pixel scale.
            settings.variant = renderer.equals("tiny-f1") || renderer.equals("tiny-video") ? RenderSettings.Variant.f1
                    : RenderSettings.Variant.inverted;
            settings.seconds = 3.6;
            settings.steps = 3;
            settings.resolution = DemoModel.RESOLUTION;
            settings.seed = renderer.equals("tiny-reroll") ? 7 : settings.seed;
            models = DemoModel.directory(output.resolveSibling("models"));
        }
        RenderPlan plan = switch (renderer) {
            case "tiny-timed" -> TinyPlans.of(renderer, settings, TIMED_PROMPTS, models, null);
            case "tiny-lora" -> TinyPlans.of(renderer, settings, new RenderPlan.Inputs("a cat walks", "", DemoModel.image()),
                    new RenderPlan.Resources(models, "cpu", null, List.of(
                            new RenderPlan.Lora(LORAS.resolve("lora1_kohya.safetensors"), 0.8),
                            new RenderPlan.Lora(LORAS.resolve("lora2_kohya.safetensors"), -0.5))));
            case "tiny-end" -> TinyPlans.of(renderer, settings, END_IMAGE, models, null);
            case "tiny-video" -> TinyPlans.of(renderer, settings, new RenderPlan.Inputs(
                    TimedPromptParser.parse("a cat walks on"), 0, "", inputVideo(output)), models, null);
            default -> TinyPlans.of(renderer, settings, models, null);
        };
        ExitCode code = new JobRunner(plan, renderer(renderer), checkpoints(renderer, store, checkpoints),
                new VideoPublisher(new DirectoryStore(output), plan.identity().jobId()), progress, termination,
                output.resolveSibling(output.getFileName() + ".scratch")).run();
        System.out.flush();
        System.exit(code.code);
    }

    /**
     * Two checkpoints kept, but by {@code tiny-source} (every one: a re-roll may start after any of
     * its sections); {@code tiny-reroll} re-rolls from section 1 of the {@code tiny-source} render
     * whose checkpoints are in {@code ../../source/ckpt}, relative to its own.
     */
    private static CheckpointStore checkpoints(String renderer, DirectoryStore store, Path dir) {
        if (renderer.equals("tiny-reroll")) {
            Path source = dir.toAbsolutePath().getParent().resolveSibling("source").resolve("ckpt");
            return new CheckpointStore(store, 2, new CheckpointStore.Reroll(new DirectoryStore(source), 1,
                    location -> Optional.of(new DirectoryStore(Path.of(location)))));
        }
        return new CheckpointStore(store, renderer.equals("tiny-source") ? 3 : 2);
    }

    /**
     * {@code walk} ({@link RandomWalkSession}), or the real renderer on the demo model: {@code tiny-inverted},
     * {@code tiny-f1}, {@code tiny-timed} (inverted, timed prompts), {@code tiny-lora} (inverted, two LoRAs),
     * {@code tiny-end} (inverted, an end image),
     * {@code tiny-video} (f1, extending a video), {@code tiny-source} and {@code tiny-reroll} (inverted).
     */
    private static Renderer renderer(String name) {
        if (name.equals("walk")) {
            // Slow enough steps that a signal lands inside a section.
            return (plan, progress) -> new RandomWalkSession(3, 3, 11) {
                @Override
                public SectionResult runNextSection(StepCallback steps) {
                    return super.runNextSection((section, step, total) -> {
                        sleep(60);
                        steps.onStep(section, step, total);
                    });
                }
            };
        }
        return new FramePackRenderer();
    }

    /**
     * {@code tiny-video}'s input: 24 frames of 96x64, made once beside the test's runs so that
     * every run (the reference and each resume) extends the same bytes.
     */
    private static RenderPlan.Video inputVideo(Path output) throws IOException {
        Path file = output.getParent().resolveSibling("input.mp4");
        if (!Files.exists(file)) {
            Files.write(file, TestVideos.h264(file.getParent(), 96, 64, 24));
        }
        return new RenderPlan.Video(Files.readAllBytes(file), 5);
    }

    private static void stall(Path path) {
        System.out.println("{\"event\":\"stalled\",\"path\":\"" + path + "\"}");
        System.out.flush();
        sleep(Long.MAX_VALUE);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
