package io.framepack.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.SpecHash;
import io.framepack.worker.image.RgbImage;
import io.framepack.worker.runtime.DemoModel;
import io.framepack.worker.runtime.FramePackRenderer;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Renderer;
import io.framepack.worker.runtime.input.Mp4Frames;
import io.framepack.worker.runtime.input.TestVideos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code generate --video}: a video extended forward with the demo model, and every wrong use refused with exit 65. */
class VideoExtensionCommandTest {
    private static final int INPUT_FRAMES = 24;

    @TempDir
    Path dir;

    private Path inputVideo() throws IOException {
        Path file = dir.resolve("input.mp4");
        Files.write(file, TestVideos.h264(dir, 96, 64, INPUT_FRAMES));
        return file;
    }

    private StandardOutput generate(Renderer renderer, String... options) {
        List<String> args = new ArrayList<>(List.of("generate", "--demo", "--device", "cpu", "--progress", "json",
                "--steps", "1", "--seconds", "1", "--out", dir.resolve("out.mp4").toString()));
        args.addAll(List.of(options));
        return StandardOutput.of(() -> new WorkerCli(renderer, Map.of()).execute(args.toArray(String[]::new)));
    }

    @Test
    void theDemoExtendsAVideoWhoseFramesOpenTheOutput() throws IOException {
        Path input = inputVideo();
        StandardOutput output = generate(new FramePackRenderer(), "--video", input.toString(), "--variant", "f1");

        assertThat(output.exitCode()).as(output.toString()).isEqualTo(ExitCode.SUCCESS.code);
        List<RgbImage> written = Mp4Frames.decode(Files.readAllBytes(dir.resolve("out.mp4")), Mp4Frames.Limits.DEFAULT,
                UnaryOperator.identity());
        // The input's 24 frames, then one section of K = 9 latents decoded on its own: 4·9 − 3 frames.
        assertThat(written).hasSize(INPUT_FRAMES + 33);
        List<RgbImage> inputFrames = Mp4Frames.decode(Files.readAllBytes(input), Mp4Frames.Limits.DEFAULT,
                UnaryOperator.identity());
        // The input's frames open the output, in the start image's bucket at the render's size (through two lossy encodes).
        for (int f = 0; f < INPUT_FRAMES; f++) {
            RgbImage expected = FramePackRenderer.toRenderSize(inputFrames.get(f), DemoModel.RESOLUTION);
            assertThat(written.get(f).width()).isEqualTo(expected.width());
            assertThat(meanAbsoluteError(written.get(f), expected)).as("frame %d", f).isLessThan(6.0);
        }
    }

    @Test
    void invertedSamplingWithAVideoIsRefused() throws IOException {
        StandardOutput output = generate(GenerateCommandTest.NO_RENDERER, "--video", inputVideo().toString(),
                "--variant", "inverted");
        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastMessage(output)).startsWith("extending a video samples forward from its end: set the variant to f1");
    }

    @Test
    void aFileThatIsNotAVideoIsRefused() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "a cat, then a dog", StandardCharsets.UTF_8);
        StandardOutput output = generate(new FramePackRenderer(), "--video", text.toString(), "--variant", "f1");
        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastMessage(output)).startsWith("the input video is not an MP4 FFmpeg can read");
    }

    @Test
    void aVideoTooShortToFillTheContextIsRefused() throws IOException {
        Path shortVideo = dir.resolve("short.mp4");
        Files.write(shortVideo, TestVideos.h264(dir, 96, 64, 11));
        StandardOutput output = generate(new FramePackRenderer(), "--video", shortVideo.toString(), "--variant", "f1");
        assertThat(output.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastMessage(output)).startsWith("the input video has 11 frames; extending one needs at least 12");
    }

    @Test
    void anImageAndAVideoTogetherOrBadContextFramesAreRefused() throws IOException {
        Path image = Files.write(dir.resolve("start.png"), DemoModel.image());
        StandardOutput both = generate(GenerateCommandTest.NO_RENDERER, "--video", inputVideo().toString(),
                "--image", image.toString(), "--variant", "f1");
        assertThat(both.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(lastMessage(both)).startsWith("give --image or --video, not both");

        StandardOutput context = generate(GenerateCommandTest.NO_RENDERER, "--video", inputVideo().toString(),
                "--variant", "f1", "--video-context-frames", "11");
        assertThat(lastMessage(context)).isEqualTo("invalid settings: --video-context-frames: must be between 2 and 10 (got 11)");
    }

    @Test
    void theVideoItsContentAndItsContextFramesReachThePlanAndItsHash() throws IOException {
        Path input = inputVideo();
        RenderPlan[] opened = new RenderPlan[1];
        Renderer recording = (plan, progress) -> {
            opened[0] = plan;
            throw new InvalidInputException(InvalidInputException.INPUT, "only the plan was wanted");
        };
        generate(recording, "--video", input.toString(), "--variant", "f1", "--video-context-frames", "3",
                "--prompt", "a cat");

        RenderPlan plan = opened[0];
        byte[] mp4 = Files.readAllBytes(input);
        assertThat(plan.inputs().startImage()).isNull();
        assertThat(plan.inputs().video().mp4()).isEqualTo(mp4);
        assertThat(plan.inputs().video().contextFrames()).isEqualTo(3);
        assertThat(plan.identity().specHash()).isEqualTo(SpecHash.ofLocalVideo("a cat", 0, "", mp4, 3, plan.settings()));
    }

    private static String lastMessage(StandardOutput output) {
        String[] lines = output.text().strip().split("\n");
        try {
            JsonNode last = GenerateCommandTest.JSON.readTree(lines[lines.length - 1]);
            return last.get("message").asText();
        } catch (IOException e) {
            throw new AssertionError(output.text(), e);
        }
    }

    private static double meanAbsoluteError(RgbImage a, RgbImage b) {
        long sum = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            sum += Math.abs((a.pixels()[i] & 0xFF) - (b.pixels()[i] & 0xFF));
        }
        return (double) sum / a.pixels().length;
    }
}
