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
    void theDemoRendersAtItsModelsResolutionUnlessOneIsGiven() {
        assertThat(planned().settings().resolution).isEqualTo(DemoModel.RESOLUTION);
        assertThat(planned("--resolution", "320").settings().resolution).isEqualTo(320);
    }
}
