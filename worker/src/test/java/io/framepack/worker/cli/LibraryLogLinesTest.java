package io.framepack.worker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A CPU render in a fresh worker process: the libraries' lines show only when asked for. */
class LibraryLogLinesTest {
    @TempDir
    Path dir;

    private String demoRender(String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "generate", "--demo", "--seconds", "1", "--steps", "1", "--device", "cpu",
                "--out", dir.resolve("demo-" + extra.length + ".mp4").toString(),
                "--checkpoint-dir", dir.resolve("checkpoints-" + extra.length).toString()));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }

    @Test
    void aPlainRunShowsOnlyTheWorkersLinesAndVerboseAddsDjls() throws Exception {
        assertThat(demoRender()).doesNotContain("ai.djl").contains("demo-0.mp4");
        assertThat(demoRender("--verbose")).contains("ai.djl.pytorch.engine.PtEngine");
    }
}
