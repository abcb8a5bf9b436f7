package io.framepack.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders killed in a separate process (SIGKILL after each section, SIGKILL in the middle of a
 * checkpoint write, SIGTERM inside a section) and resumed produce the final state and the MP4 of
 * an uninterrupted render, bit for bit.
 */
class ResumeProcessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ENGINE = "walk";
    static final int SECTIONS = 3;

    @TempDir
    Path dir;

    /** A running render process and the JSON events it printed so far. */
    static final class Render implements AutoCloseable {
        final Process process;
        final List<JsonNode> events = new ArrayList<>();
        private final BufferedReader lines;

        Render(Path checkpoints, Path output, String stallOn) throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // short-lived JVMs on a 2-core CI machine: no C2 compiler threads, one GC thread
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                    RenderProcessMain.class.getName(), ENGINE, checkpoints.toString(), output.toString(), stallOn)
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
    JsonNode finish(Path checkpoints, Path output) throws IOException {
        try (Render render = new Render(checkpoints, output, "none")) {
            JsonNode started = render.await(event("job_start"));
            render.await(event("output_written"));
            assertThat(render.waitFor()).isZero();
            return started;
        }
    }

    Checkpoint finalState(Path checkpoints) throws IOException {
        return new CheckpointStore(new DirectoryStore(checkpoints), 2)
                .loadLatest(new CheckpointIdentity("test/" + ENGINE + "/1", "spec", "model"), warning -> {
                    throw new AssertionError(warning);
                }).orElseThrow();
    }

    void assertSameRender(Path reference, Path resumed) throws IOException {
        Checkpoint expected = finalState(reference.resolve("ckpt"));
        Checkpoint actual = finalState(resumed.resolve("ckpt"));
        assertThat(actual.sectionsCompleted()).isEqualTo(SECTIONS);
        assertThat(actual.tensors().keySet()).isEqualTo(expected.tensors().keySet());
        expected.tensors().forEach((name, tensor) ->
                assertThat(actual.tensors().get(name).data()).as(name).isEqualTo(tensor.data()));
        assertThat(Files.readAllBytes(resumed.resolve("out/" + ENGINE + ".mp4")))
                .isEqualTo(Files.readAllBytes(reference.resolve("out/" + ENGINE + ".mp4")));
    }

    @Test
    void killedAnywhereAndResumedRendersTheSameVideo() throws IOException {
        Path reference = dir.resolve("reference");
        assertThat(finish(reference.resolve("ckpt"), reference.resolve("out")).path("resumedFromSection").isNull()).isTrue();

        for (int section = 1; section < SECTIONS; section++) {
            Path run = dir.resolve("sigkill-after-" + section);
            int saved = section;
            try (Render render = new Render(run.resolve("ckpt"), run.resolve("out"), "none")) {
                render.await(e -> event("checkpoint_saved").test(e) && e.path("sectionsCompleted").asInt() == saved);
                render.process.destroyForcibly();
                render.waitFor();
            }
            assertThat(finish(run.resolve("ckpt"), run.resolve("out")).path("resumedFromSection").asInt())
                    .isGreaterThanOrEqualTo(section);
            assertSameRender(reference, run);
        }

        Path torn = dir.resolve("sigkill-during-checkpoint-write");
        try (Render render = new Render(torn.resolve("ckpt"), torn.resolve("out"), "ckpt-000002-")) {
            render.await(event("stalled"));
            render.process.destroyForcibly();
            render.waitFor();
        }
        assertThat(finish(torn.resolve("ckpt"), torn.resolve("out")).path("resumedFromSection").asInt()).isEqualTo(1);
        assertSameRender(reference, torn);

        Path terminated = dir.resolve("sigterm-inside-a-section");
        try (Render render = new Render(terminated.resolve("ckpt"), terminated.resolve("out"), "none")) {
            render.await(e -> event("step").test(e) && e.path("section").asInt() == 1 && e.path("step").asInt() == 1);
            render.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our pipes
            render.await(event("terminated"));
            assertThat(render.waitFor()).isEqualTo(75);
        }
        assertThat(finish(terminated.resolve("ckpt"), terminated.resolve("out")).path("resumedFromSection").asInt())
                .isEqualTo(1);
        assertSameRender(reference, terminated);
    }
}
