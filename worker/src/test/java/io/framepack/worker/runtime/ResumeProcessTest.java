package io.framepack.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointFixtures;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.SameBytes;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders killed in a separate process (SIGKILL after each section, SIGKILL in the middle of a
 * checkpoint write, SIGTERM inside a section) and resumed end with the final state of an
 * uninterrupted render bit for bit: latents, start latent, pixel history and the MP4 file.
 */
class ResumeProcessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int SECTIONS = 3;

    @TempDir
    Path dir;

    /** A running render process and the JSON events it printed so far. */
    static final class Render implements AutoCloseable {
        final Process process;
        final List<JsonNode> events = new ArrayList<>();
        private final BufferedReader lines;

        Render(String renderer, Path checkpoints, Path output, String stallOn) throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // short-lived JVMs on a 2-core CI machine: no C2 compiler threads, one GC thread
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                    RenderProcessMain.class.getName(), renderer, checkpoints.toString(), output.toString(), stallOn)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Reads events until one matches; fails if the process ends first. */
        JsonNode await(Predicate<JsonNode> wanted) throws IOException {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode event = JSON.readTree(line);
                events.add(event);
                if (wanted.test(event)) {
                    return event;
                }
            }
            throw new AssertionError("render exited with " + waitFor() + " before the awaited event; saw " + events);
        }

        int waitFor() {
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("render did not exit within 60 s");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    static Predicate<JsonNode> event(String name) {
        return e -> name.equals(e.path("event").asText());
    }

    /** Runs to the end (resuming whatever is in {@code checkpoints}) and returns the job_start event. */
    JsonNode finish(String renderer, Path checkpoints, Path output) throws IOException {
        try (Render render = new Render(renderer, checkpoints, output, "none")) {
            JsonNode started = render.await(event("job_start"));
            render.await(event("output_written"));
            assertThat(render.waitFor()).isZero();
            return started;
        }
    }

    Checkpoint finalState(String renderer, Path checkpoints) throws IOException {
        // A re-roll's checkpoints read the blocks they share with its source there.
        CheckpointStore.Reroll sharing = new CheckpointStore.Reroll(new DirectoryStore(dir.resolve("source/ckpt")), 1,
                location -> Optional.of(new DirectoryStore(Path.of(location))));
        return new CheckpointStore(new DirectoryStore(checkpoints), 2, sharing)
                .loadLatest(new CheckpointIdentity("test/" + renderer + "/1", "spec", "model"), warning -> {
                    throw new AssertionError(warning);
                }).orElseThrow();
    }

    void assertSameRender(String renderer, Path reference, Path resumed) throws IOException {
        Checkpoint expected = finalState(renderer, reference.resolve("ckpt"));
        Checkpoint actual = finalState(renderer, resumed.resolve("ckpt"));
        assertThat(actual.sectionsCompleted()).isEqualTo(SECTIONS);
        assertThat(actual.tensors().keySet()).isEqualTo(expected.tensors().keySet());
        expected.tensors().forEach((name, tensor) ->
                assertThat(CheckpointFixtures.whole(actual.tensors().get(name)).data()).as(name)
                        .isEqualTo(CheckpointFixtures.whole(tensor).data()));
        Path video = resumed.resolve("out/" + renderer + ".mp4");
        assertThat(decodedFrames(video)).isPositive();
        SameBytes.assertSameFile(reference.resolve("out/" + renderer + ".mp4"), video);
    }

    static int decodedFrames(Path mp4) throws IOException {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(mp4.toFile())) {
            grabber.start();
            assertThat(grabber.getVideoCodecName()).isEqualTo("h264");
            int frames = 0;
            while (grabber.grabImage() != null) {
                frames++;
            }
            return frames;
        }
    }

    /**
     * One render, interrupted every way in turn and resumed each time: SIGKILL right after the
     * first checkpoint, SIGKILL in the middle of writing the second, SIGTERM inside the second
     * section, SIGKILL right after the second checkpoint, then it finishes. Its final state
     * (latents, pixel history) equals an uninterrupted render's, and so does its MP4, byte for byte. {@code walk} is the
     * runner with a small computation; {@code tiny-*} the real renderer on the bundled tiny model,
     * for both schedules, with timed, blended prompts, with two LoRAs merged at load, with an end image, and extending a video.
     */
    @ParameterizedTest
    @ValueSource(strings = {"walk", "tiny-inverted", "tiny-f1", "tiny-timed", "tiny-lora", "tiny-end", "tiny-video"})
    void killedEveryWayAndResumedRendersTheSameVideo(String renderer) throws IOException {
        Path reference = dir.resolve("reference");
        assertThat(finish(renderer, reference.resolve("ckpt"), reference.resolve("out")).path("resumedFromSection").isNull())
                .isTrue();

        Path run = dir.resolve("interrupted");
        Path checkpoints = run.resolve("ckpt");
        Path output = run.resolve("out");
        try (Render render = new Render(renderer, checkpoints, output, "none")) {
            render.await(e -> event("checkpoint_saved").test(e) && e.path("sectionsCompleted").asInt() == 1);
            render.process.destroyForcibly();
            render.waitFor();
        }
        try (Render render = new Render(renderer, checkpoints, output, "ckpt-000002-")) {
            assertThat(render.await(event("job_start")).path("resumedFromSection").asInt()).isEqualTo(1);
            render.await(event("stalled"));
            render.process.destroyForcibly();
            render.waitFor();
        }
        try (Render render = new Render(renderer, checkpoints, output, "none")) {
            assertThat(render.await(event("job_start")).path("resumedFromSection").asInt())
                    .as("the torn checkpoint is invisible").isEqualTo(1);
            render.await(e -> event("step").test(e) && e.path("section").asInt() == 1);
            render.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our pipes
            render.await(event("terminated"));
            assertThat(render.waitFor()).isEqualTo(75);
        }
        try (Render render = new Render(renderer, checkpoints, output, "none")) {
            render.await(e -> event("checkpoint_saved").test(e) && e.path("sectionsCompleted").asInt() == 2);
            render.process.destroyForcibly();
            render.waitFor();
        }
        assertThat(finish(renderer, checkpoints, output).path("resumedFromSection").asInt()).isEqualTo(2);
        assertSameRender(renderer, reference, run);
    }

    /**
     * A re-roll from section 1 of a source render, with its own seed: SIGKILL right after its first
     * own checkpoint (section 2, which shares the source's blocks), SIGTERM inside its last section,
     * then it finishes. Its final state and MP4 equal an uninterrupted re-roll's.
     */
    @Test
    void aKilledRerollResumesToTheSameVideo() throws IOException {
        finish("tiny-source", dir.resolve("source/ckpt"), dir.resolve("source/out"));
        Path reference = dir.resolve("reference");
        assertThat(finish("tiny-reroll", reference.resolve("ckpt"), reference.resolve("out")).path("resumedFromSection")
                .asInt()).as("a re-roll starts as if resumed after the source's section").isEqualTo(1);

        Path run = dir.resolve("interrupted");
        Path checkpoints = run.resolve("ckpt");
        Path output = run.resolve("out");
        try (Render render = new Render("tiny-reroll", checkpoints, output, "none")) {
            render.await(e -> event("checkpoint_saved").test(e) && e.path("sectionsCompleted").asInt() == 2);
            render.process.destroyForcibly();
            render.waitFor();
        }
        try (Render render = new Render("tiny-reroll", checkpoints, output, "none")) {
            assertThat(render.await(event("job_start")).path("resumedFromSection").asInt()).isEqualTo(2);
            render.await(e -> event("step").test(e) && e.path("section").asInt() == 2);
            render.process.toHandle().destroy();
            render.await(event("terminated"));
            assertThat(render.waitFor()).isEqualTo(75);
        }
        assertThat(finish("tiny-reroll", checkpoints, output).path("resumedFromSection").asInt()).isEqualTo(2);
        assertSameRender("tiny-reroll", reference, run);
        assertThat(Files.readString(CheckpointFixtures.manifestOf(checkpoints, 3)))
                .contains("\"store\" : \"" + dir.resolve("source/ckpt").toAbsolutePath().normalize() + "\"");
        assertThat(Files.readAllBytes(output.resolve("tiny-reroll.mp4")))
                .isNotEqualTo(Files.readAllBytes(dir.resolve("source/out/tiny-source.mp4")));
    }
}
