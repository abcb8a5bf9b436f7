package io.framepack.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.RenderTable;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.SpecHash;
import io.framepack.worker.prompt.TimedPrompt;
import io.framepack.worker.runtime.DemoModel;
import io.framepack.worker.runtime.FramePackRenderer;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Renderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code framepack-worker generate}'s answers to bad command lines: an exit code and a message naming the option. */
class GenerateCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Settings are checked before anything is read or loaded: this renderer must never be asked for. */
    static final Renderer NO_RENDERER = (plan, progress) -> {
        throw new AssertionError("the renderer was opened");
    };

    @TempDir
    Path dir;

    private StandardOutput generate(Renderer renderer, String... options) {
        List<String> args = new ArrayList<>(List.of("generate", "--progress", "json",
                "--model-dir", dir.resolve("no-models").toString(), "--out", dir.resolve("out.mp4").toString()));
        args.addAll(List.of(options));
        return StandardOutput.of(() -> new WorkerCli(renderer, Map.of()).execute(args.toArray(String[]::new)));
    }

    static JsonNode lastEvent(StandardOutput output) {
        String[] lines = output.text().strip().split("\n");
        try {
            return JSON.readTree(lines[lines.length - 1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--seconds|121|--seconds: must be above 0 and at most 120 (got 121.0)",
            "--seconds|1e9|--seconds: must be above 0 and at most 120 (got 1.0E9)",
            "--seconds|NaN|--seconds: must be above 0 and at most 120 (got NaN)",
            "--seconds|0|--seconds: must be above 0 and at most 120 (got 0.0)",
            "--crf|99|--crf: must be between 0 and 51 (got 99)",
            "--steps|1000000|--steps: must be between 1 and 100 (got 1000000)",
            "--distilled-guidance|1e300|--distilled-guidance: must be between 1 and 32 (got 1.0E300)",
            "--teacache-threshold|0|--teacache-threshold: must be above 0 and at most 1 (got 0.0)",
            "--cfg-rescale|0.5|--cfg-rescale: only applies with real guidance",
            "--latent-window-size|34|--latent-window-size: must be between 1 and 33 (got 34)",
            "--resolution|650|--resolution: must be a multiple of 16 (got 650)",
            "--grace-seconds|-1|--grace-seconds: must be between 1 and 86400 (got -1)",
            "--keep-checkpoints|0|--keep-checkpoints: must be between 1 and 100 (got 0)",
            "--checkpoint-every|0|--checkpoint-every: must be between 1 and 2147483647 (got 0)",
            "--device|tpu|--device: must be cpu or gpu (got 'tpu')"})
    void aSettingOutOfItsBoundsIsRefusedBeforeAnythingIsReadOrLoaded(String option, String value, String message) {
        StandardOutput output = generate(NO_RENDERER, "--image", dir.resolve("missing.png").toString(), option, value);

        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        JsonNode error = lastEvent(output);
        assertThat(error.get("reason").asText()).isEqualTo("InvalidInput");
        assertThat(error.get("message").asText()).startsWith("invalid settings: ").contains(message);
    }

    @Test
    void everyRenderSettingIsAnOptionNamedAfterItWithTheTablesDefault() {
        CommandLine.Model.CommandSpec generate = new CommandLine(new GenerateCommand(NO_RENDERER)).getCommandSpec();

        for (RenderTable.Setting setting : RenderTable.SETTINGS) {
            CommandLine.Model.OptionSpec option = generate.findOption(GenerateCommand.optionName(setting.name()));
            assertThat(option).as("the option of " + setting.name()).isNotNull();
            assertThat(option.defaultValue()).as(option.longestName() + "'s default").isEqualTo(setting.defaultValue());
        }
    }

    @Test
    void aPromptLongerThanTheApiAllowsIsRefused() {
        StandardOutput output = generate(NO_RENDERER, "--image", dir.resolve("missing.png").toString(), "--prompt", "a".repeat(4097));

        assertThat(lastEvent(output).get("message").asText()).isEqualTo("invalid settings: --prompt: at most 4096 characters (got 4097)");
    }

    @Test
    void everyBadSettingIsNamedAtOnce() {
        StandardOutput output = generate(NO_RENDERER, "--image", dir.resolve("missing.png").toString(), "--crf", "-1", "--steps", "0");

        assertThat(lastEvent(output).get("message").asText()).contains("--crf: ").contains("--steps: ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"--seconds|five", "--no-such-option|1", "--variant|f2", "--steps|2.5"})
    void aMalformedCommandLineExitsWithTheUsageCode(String option, String value) {
        assertThat(generate(NO_RENDERER, option, value).exitCode()).isEqualTo(ExitCode.USAGE.code).isEqualTo(2);
    }

    @Test
    void aDirectoryAsTheImageIsNamed() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));

        StandardOutput output = generate(NO_RENDERER, "--image", images.toString());

        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(output).get("message").asText()).isEqualTo("image file " + images + " is a directory");
    }

    @Test
    void aHugeImageFileIsRefusedByItsSizeWithoutBeingRead() throws IOException {
        Path huge = dir.resolve("huge.png");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(3L << 30); // sparse: takes no disk
        }

        StandardOutput output = generate(NO_RENDERER, "--image", huge.toString());

        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(output).get("message").asText())
                .isEqualTo("image file " + huge + " is larger than the limit of 268435456 bytes (256 MiB)");
    }

    @Test
    void anEndlessDeviceAsTheImageIsCutAtTheLimit() {
        assumeTrue(Files.isReadable(Path.of("/dev/zero")));

        StandardOutput output = generate(NO_RENDERER, "--image", "/dev/zero");

        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(output).get("message").asText()).isEqualTo("image file /dev/zero is larger than the limit of 268435456 bytes (256 MiB)");
    }

    @Test
    void aGpuAskedForWithoutOneIsAClearInputError() {
        assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a GPU");

        StandardOutput output = StandardOutput.of(() -> new WorkerCli(new FramePackRenderer(), Map.of()).execute("generate",
                "--demo", "--device", "gpu", "--progress", "json", "--seconds", "1", "--steps", "1",
                "--out", dir.resolve("demo.mp4").toString()));

        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(output).get("message").asText()).startsWith("device gpu asked for, but libtorch sees no GPU");
    }

    /** The plan generate hands its renderer; the renderer then refuses, so nothing renders. */
    private RenderPlan planned(String... options) {
        RenderPlan[] opened = new RenderPlan[1];
        Renderer recording = (plan, progress) -> {
            opened[0] = plan;
            throw new InvalidInputException(InvalidInputException.INPUT, "only the plan was wanted");
        };
        List<String> args = new ArrayList<>(List.of("generate", "--demo", "--progress", "none",
                "--out", dir.resolve("planned.mp4").toString()));
        args.addAll(List.of(options));
        assertThat(new WorkerCli(recording, Map.of()).execute(args.toArray(String[]::new))).isEqualTo(ExitCode.INVALID_INPUT.code);
        return opened[0];
    }

    @Test
    void everyRenderSettingOfTheCommandLineReachesThePlanAndItsHash() {
        RenderPlan plan = planned("--prompt", "a cat", "--seconds", "2", "--seed", "7", "--variant", "f1", "--steps", "3",
                "--distilled-guidance", "8", "--cfg", "2", "--cfg-rescale", "0.5", "--latent-window-size", "5",
                "--resolution", "320", "--crf", "20", "--no-teacache", "--teacache-threshold", "0.2",
                "--checkpoint-every", "2", "--device", "cpu", "--gpu-memory", "2");

        RenderSettings expected = new RenderSettings();
        expected.seconds = 2.0;
        expected.seed = 7L;
        expected.variant = RenderSettings.Variant.f1;
        expected.steps = 3;
        expected.distilledGuidance = 8.0;
        expected.cfg = 2.0;
        expected.cfgRescale = 0.5;
        expected.latentWindowSize = 5;
        expected.resolution = 320;
        expected.crf = 20;
        expected.teaCache.enabled = false;
        expected.teaCache.threshold = 0.2;
        assertThat(plan.settings()).usingRecursiveComparison().isEqualTo(expected);
        assertThat(plan.inputs().prompts()).containsExactly(TimedPrompt.whole("a cat"));
        assertThat(plan.identity().specHash()).isEqualTo(SpecHash.ofLocal("a cat", 0, "", DemoModel.image(), expected));
        assertThat(plan.identity().jobId()).isEqualTo("local/" + plan.identity().specHash());
        assertThat(plan.outputs()).isEqualTo(new RenderPlan.Outputs("planned", 2));
        assertThat(plan.resources().device()).isEqualTo("cpu");
        assertThat(plan.resources().gpuMemoryBytes()).isEqualTo(2L << 30);
    }

    @Test
    void timedPromptsAndTheirBlendReachThePlanAndItsHash() {
        String text = "[0s: a cat sits] [2s-3s: the cat jumps] it lands";
        RenderPlan plan = planned("--prompt", text, "--prompt-blend-sections", "2");

        assertThat(plan.inputs().prompts()).containsExactly(TimedPrompt.whole("a cat sits"), TimedPrompt.whole("it lands"),
                new TimedPrompt("the cat jumps", 2, OptionalDouble.of(3)));
        assertThat(plan.inputs().promptBlendSections()).isEqualTo(2);
        assertThat(plan.identity().specHash()).isEqualTo(SpecHash.ofLocal(text, 2, "", DemoModel.image(), plan.settings()));
    }

    @Test
    void theDemoRendersTimedBlendedPromptsToAVideoWhoseSidecarListsThem() throws IOException {
        StandardOutput output = StandardOutput.of(() -> new WorkerCli(new FramePackRenderer(), Map.of()).execute("generate",
                "--demo", "--device", "cpu", "--progress", "json", "--seconds", "2.4", "--steps", "1",
                "--prompt", "[0s: a cat sits] [1.2s: the cat jumps]", "--prompt-blend-sections", "2",
                "--out", dir.resolve("timed.mp4").toString()));

        assertThat(output.exitCode()).as(output.toString()).isEqualTo(ExitCode.SUCCESS.code);
        assertThat(dir.resolve("timed.mp4")).isNotEmptyFile();
        JsonNode sidecar = new ObjectMapper().readTree(dir.resolve("timed.json").toFile());
        assertThat(sidecar.path("prompts").findValuesAsText("text")).containsExactly("a cat sits", "the cat jumps");
        assertThat(sidecar.path("promptBlendSections").asInt()).isEqualTo(2);
    }

    @Test
    void aMalformedTimedPromptOrBlendIsRefusedSayingWhere() {
        StandardOutput unclosed = generate(NO_RENDERER, "--demo", "--prompt", "[0s: a cat] [2s: it jumps");
        assertThat(unclosed.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(unclosed).get("message").asText())
                .isEqualTo("--prompt: '[' at character 12 is never closed with ']'");

        StandardOutput blend = generate(NO_RENDERER, "--prompt", "a cat", "--prompt-blend-sections", "65");
        assertThat(lastEvent(blend).get("message").asText())
                .isEqualTo("invalid settings: --prompt-blend-sections: must be between 0 and 64 (got 65)");
    }

    @Test
    void theEndImageAndItsStrengthReachThePlanAndItsHashByContent() throws IOException {
        byte[] end = DemoModel.image();
        Path file = Files.write(dir.resolve("end.png"), end);
        RenderPlan plan = planned("--prompt", "a cat", "--end-image", file.toString(), "--end-image-strength", "0.5");

        assertThat(plan.inputs().endImage()).isEqualTo(end);
        assertThat(plan.inputs().endImageStrength()).isEqualTo(0.5);
        assertThat(plan.identity().specHash())
                .isEqualTo(SpecHash.ofLocal("a cat", 0, "", DemoModel.image(), end, 0.5, plan.settings()));
        RenderPlan full = planned("--prompt", "a cat", "--end-image", file.toString());
        assertThat(full.inputs().endImageStrength()).isEqualTo(1.0);
        assertThat(full.identity().specHash()).isNotEqualTo(plan.identity().specHash())
                .isNotEqualTo(planned("--prompt", "a cat").identity().specHash());
    }

    @Test
    void theDemoRendersToAnEndImage() throws IOException {
        Path end = Files.write(dir.resolve("end.png"), DemoModel.image());
        StandardOutput output = StandardOutput.of(() -> new WorkerCli(new FramePackRenderer(), Map.of()).execute("generate",
                "--demo", "--device", "cpu", "--progress", "json", "--seconds", "2.4", "--steps", "1",
                "--end-image", end.toString(), "--end-image-strength", "0.5", "--out", dir.resolve("ended.mp4").toString()));

        assertThat(output.exitCode()).as(output.toString()).isEqualTo(ExitCode.SUCCESS.code);
        assertThat(dir.resolve("ended.mp4")).isNotEmptyFile();
        assertThat(new ObjectMapper().readTree(dir.resolve("ended.json").toFile()).path("endImageStrength").asDouble())
                .isEqualTo(0.5);
    }

    @Test
    void anEndImageWithF1OrAStrengthAloneIsAUsageErrorAndABadStrengthOrImageAnInputError() throws IOException {
        Path end = Files.write(dir.resolve("end.png"), DemoModel.image());
        assertThat(usageError("--end-image", end.toString(), "--variant", "f1"))
                .contains("--end-image needs --variant inverted: F1 renders forward");
        assertThat(usageError("--end-image-strength", "0.5")).contains("--end-image-strength needs --end-image");

        StandardOutput strong = generate(NO_RENDERER, "--end-image", end.toString(), "--end-image-strength", "1.5");
        assertThat(strong.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(strong).get("message").asText())
                .isEqualTo("invalid settings: --end-image-strength: must be between 0 and 1 (got 1.5)");

        StandardOutput missing = generate(NO_RENDERER, "--demo", "--end-image", dir.resolve("none.png").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(missing).get("message").asText()).contains(dir.resolve("none.png").toString());

        StandardOutput internal = generate(NO_RENDERER, "--demo", "--end-image", "http://127.0.0.1:9/end.png");
        assertThat(internal.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(internal).get("message").asText()).startsWith("end image: image URL http://127.0.0.1:9/");
    }

    /** What a command line that exits with the usage code prints on standard error. */
    private String usageError(String... options) {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(generate(NO_RENDERER, options).exitCode()).isEqualTo(ExitCode.USAGE.code);
        } finally {
            System.setErr(original);
        }
        return err.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void theDemoRendersAtItsModelsResolutionUnlessOneIsGiven() {
        assertThat(planned().settings().resolution).isEqualTo(DemoModel.RESOLUTION);
        assertThat(planned("--resolution", "320").settings().resolution).isEqualTo(320);
    }

    private static final Path CREATIVE = Path.of("src/test/resources/goldens/creative");

    @Test
    void loraOptionsReachThePlanInOrderAndTheModelIdentityNamesEach() {
        String kohya = CREATIVE.resolve("lora1_kohya.safetensors").toString();
        String second = CREATIVE.resolve("lora2_kohya.safetensors").toString();
        RenderPlan plan = planned("--lora", kohya + ":0.8", "--lora", second + ":-0.5", "--lora", kohya);

        assertThat(plan.resources().loras()).containsExactly(new RenderPlan.Lora(Path.of(kohya), 0.8),
                new RenderPlan.Lora(Path.of(second), -0.5), new RenderPlan.Lora(Path.of(kohya), 1.0));
        String plain = planned().identity().modelId();
        assertThat(plan.identity().modelId()).startsWith(plain + " + LoRA sha256:").endsWith(" x1.0")
                .contains(" x0.8 + LoRA sha256:", " x-0.5 + LoRA sha256:");
        assertThat(planned("--lora", kohya + ":0.5").identity().modelId())
                .isNotEqualTo(planned("--lora", kohya + ":0.8").identity().modelId());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "lora1_kohya.safetensors:4.5|--lora src/test/resources/goldens/creative/lora1_kohya.safetensors:4.5: the scale"
                    + " must be between -4 and 4, got 4.5",
            "missing.safetensors|LoRA file missing.safetensors does not exist"})
    void aBadLoraOptionIsAnInputError(String option, String message) {
        String value = option.startsWith("missing") ? option : CREATIVE.resolve(option).toString();
        StandardOutput output = generate(NO_RENDERER, "--demo", "--lora", value);
        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastEvent(output).get("message").asText()).isEqualTo(message);
    }

    @Test
    void moreThanFourLorasAreRefused() {
        String lora = CREATIVE.resolve("lora1_kohya.safetensors").toString();
        StandardOutput output = generate(NO_RENDERER, "--demo", "--lora", lora, "--lora", lora, "--lora", lora,
                "--lora", lora, "--lora", lora);
        assertThat(lastEvent(output).get("message").asText()).isEqualTo("--lora: at most 4 LoRAs, got 5");
    }

    @Test
    void aLoraOfAnotherModelFailsTheRenderNamingItsFirstKey() throws IOException {
        Path foreign = dir.resolve("foreign.safetensors");
        byte[] bytes = Files.readAllBytes(CREATIVE.resolve("lora1_kohya.safetensors"));
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("lora_unet_transformer_blocks_0_attn_to_q", "lora_unet_transformer_blocks_9_attn_to_q");
        Files.write(foreign, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        StandardOutput output = StandardOutput.of(() -> new WorkerCli(new FramePackRenderer(), Map.of()).execute("generate",
                "--demo", "--device", "cpu", "--progress", "json", "--seconds", "1", "--steps", "1",
                "--lora", foreign.toString(), "--out", dir.resolve("foreign.mp4").toString()));

        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        JsonNode failed = lastEvent(output);
        assertThat(failed.get("reason").asText()).isEqualTo(InvalidInputException.LORA);
        assertThat(failed.get("message").asText()).isEqualTo("LoRA: " + foreign
                + ": key lora_unet_transformer_blocks_9_attn_to_q.alpha matches no weight of the model");
    }

    @Test
    void theDemoRendersWithALoraMergedIntoItsTransformer() throws IOException {
        String lora = CREATIVE.resolve("lora1_kohya.safetensors") + ":2";
        for (String name : List.of("plain", "lora")) {
            List<String> args = new ArrayList<>(List.of("generate", "--demo", "--device", "cpu", "--progress", "none",
                    "--seconds", "1", "--steps", "2", "--out", dir.resolve(name + ".mp4").toString()));
            if (name.equals("lora")) {
                args.addAll(List.of("--lora", lora));
            }
            assertThat(new WorkerCli(new FramePackRenderer(), Map.of()).execute(args.toArray(String[]::new)))
                    .isEqualTo(ExitCode.SUCCESS.code);
        }
        assertThat(dir.resolve("lora.mp4")).isNotEmptyFile();
        // The merged weights change the video: same seed, prompt and image, other pixels.
        assertThat(Files.readAllBytes(dir.resolve("lora.mp4"))).isNotEqualTo(Files.readAllBytes(dir.resolve("plain.mp4")));
        assertThat(new ObjectMapper().readTree(dir.resolve("lora.json").toFile()).path("modelId").asText())
                .contains(" + LoRA sha256:").endsWith(" x2.0");
    }
}
