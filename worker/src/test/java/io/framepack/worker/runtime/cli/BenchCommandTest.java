package io.framepack.worker.runtime.cli;

import io.framepack.worker.runtime.MemoryPlan;
import io.framepack.worker.runtime.RandomWalkRenders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {
    private static final Pattern SAVE = Pattern.compile("after section (\\d+): \\d+ frames, wrote ([\\d.]+) MB of ([\\d.]+) MB: copied in [\\d.]+ s, written in [\\d.]+ s");

    @TempDir
    Path dir;

    @Test
    void checkpointBenchSavesAWholeJobAndReportsWhatEachSaveWrote() throws IOException {
        String out = bench("checkpoints", "--dir", dir.toString(), "--sections", "8", "--latent", "16x16", "--window", "2");

        List<double[]> saves = SAVE.matcher(out).results()
                .map(m -> new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))}).toList();
        assertThat(saves).hasSize(8);
        // The video grows by 8 frames a section; settled frames are written once, so late saves write a fraction.
        double[] last = saves.get(7);
        assertThat(last[1]).isGreaterThan(saves.get(0)[1] * 4);
        assertThat(last[0]).isLessThan(last[1] / 2);
        assertThat(out).containsPattern("per save: [\\d.]+ MB written; the render waits [\\d.]+ s for the copy = [\\d.]+ % of a 28.75 s section");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("the bench removes what it wrote").isEmpty();
        }
    }

    @Test
    void transformerBenchRunsATinySectionOnTheCpu() throws IOException {
        String out = bench("transformer", "--model", "tiny", "--steps", "2", "--latent", "8x8");

        assertThat(out).contains("model tiny (2+2 blocks, 2 heads x 16), FLOAT32 on cpu()")
                .containsPattern("section 1: [\\d.]+ s for 2 steps")
                .containsPattern("peak memory: [\\d.]+ GiB peak RSS");
    }

    @Test
    void transformerBenchWithAGpuBudgetStreamsTheBlocksThatDoNotFit() throws IOException {
        // The reserve, the tiled decode of 64x64 frames, and all but 200 kB of the tiny model's 1.26 MB.
        long budget = MemoryPlan.RESERVE_BYTES + MemoryPlan.decodeBytes(64, 64, true) + 1_064_384;
        String out = bench("transformer", "--model", "tiny", "--steps", "2", "--latent", "8x8",
                "--gpu-memory", String.format(Locale.ROOT, "%.12f", budget / (double) (1L << 30)));

        assertThat(out).contains("2 of 4 blocks resident, the rest streamed from host memory")
                .containsPattern("section 1: [\\d.]+ s for 2 steps");
    }

    @Test
    void transformerBenchWithTeaCacheReportsTheSkippedSteps() throws IOException {
        String out = bench("transformer", "--model", "tiny", "--steps", "6", "--latent", "8x8", "--teacache", "10");

        // A threshold no change reaches: every step but the first and last is skipped.
        assertThat(out).containsPattern("section 1: [\\d.]+ s for 6 steps \\(TeaCache skipped 4\\)");
    }

    @Test
    void vaeBenchDecodesWithTheReleasedArchitectureOnTheCpu() throws IOException {
        String out = bench("vae", "--latent", "2x4", "--frames", "2", "--runs", "1");

        assertThat(out).contains("VAE decode of 2 latents 2x4, float32 on cpu(), whole frames")
                .containsPattern("run 1: [\\d.]+ s -> \\(1, 3, 5, 16, 32\\)");
    }

    @Test
    void kernelBenchReportsMatmulAndAttentionThroughputOnTheCpu() {
        String out = bench("kernels", "--matrix", "64", "--tokens", "32", "--heads", "2", "--head-dim", "16");

        assertThat(out).containsPattern("matmul 64x64x64 float32 +[\\d.]+ ms +[\\d.]+ TFLOP/s")
                .containsPattern("sdpa 2x32x16 float32 +[\\d.]+ ms +[\\d.]+ TFLOP/s");
    }

    @Test
    void aMalformedSizeIsRefused() {
        assertThat(new WorkerCli(RandomWalkRenders.factory(1), Map.of()).execute("bench", "checkpoints", "--latent", "big"))
                .isNotZero();
    }

    private static String bench(String... args) {
        String[] command = Stream.concat(Stream.of("bench"), Stream.of(args)).toArray(String[]::new);
        StandardOutput run = StandardOutput.of(() -> new WorkerCli(RandomWalkRenders.factory(1), Map.of()).execute(command));
        assertThat(run.exitCode()).as(run.text()).isZero();
        return run.text();
    }
}
