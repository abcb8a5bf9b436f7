package io.framepack.worker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A file that never delivers (a pipe nobody writes, a stalled network volume) is abandoned at the deadline. */
class BoundedReadsTest {
    @TempDir
    Path dir;

    @Test
    void aPipeNobodyWritesIsAbandonedAtTheDeadline() throws Exception {
        Path pipe = dir.resolve("image.png");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here");
            return;
        }
        assumeTrue(mkfifo.waitFor() == 0 && Files.exists(pipe), "mkfifo failed");

        assertThatThrownBy(() -> BoundedReads.file(pipe, "image file", 1 << 20, Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot read image file " + pipe + ": not done within 1 s");
    }

    @Test
    void aFileWithinTheLimitsIsRead() throws Exception {
        Path file = Files.write(dir.resolve("image.png"), new byte[] {1, 2, 3});

        assertThat(BoundedReads.file(file, "image file", 3, Duration.ofSeconds(10))).containsExactly(1, 2, 3);
    }
}
