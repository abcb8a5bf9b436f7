package io.framepack.worker.cli;

import io.framepack.worker.runtime.MemoryPlan;
import io.framepack.worker.runtime.RandomWalkRenderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
    void transformerBenchRunsATinySectionOnTheCpuAndSummarisesIt() throws IOException {
        String out = bench("transformer", "--model", "tiny", "--steps", "2", "--latent", "8x8");

        assertThat(out).contains("model tiny (2+2 blocks, 2 heads x 16), FLOAT32 on cpu()")
                .containsPattern("section 1: [\\d.]+ s for 2 steps: 2 forwards run, 0 skipped by TeaCache")
                .containsPattern("peak memory: [\\d.]+ GiB peak RSS");
        Map<String, String> summary = summary(out);
        assertThat(summary).containsEntry("model", "tiny").containsEntry("device", "cpu")
                .containsEntry("precision", "FLOAT32").containsEntry("latent", "8x8").containsEntry("window", "9")
                .containsEntry("steps", "2").containsEntry("text_tokens", "64").containsEntry("cfg", "1")
                .containsEntry("teacache", "0").containsEntry("resident_blocks", "4/4").containsEntry("sections", "1")
                .containsEntry("forwards_run", "2").containsEntry("forwards_skipped", "0")
                .containsEntry("peak_gpu_gib", "-").containsEntry("live_gib", "unavailable");
        double section = Double.parseDouble(summary.get("section_s"));
        double forward = Double.parseDouble(summary.get("forward_median_s"));
        assertThat(forward).isPositive().isLessThanOrEqualTo(section);
        assertThat(Double.parseDouble(summary.get("peak_rss_gib"))).isGreaterThan(0.05);
    }

    @Test
    void transformerBenchWithRealGuidanceRunsTheNegativeForwardAtEveryStep() throws IOException {
        Map<String, String> summary = summary(bench("transformer", "--model", "tiny", "--steps", "3", "--latent", "8x8",
                "--cfg", "3", "--sections", "2"));

        assertThat(summary).containsEntry("cfg", "3").containsEntry("sections", "2")
                .containsEntry("forwards_run", "12").containsEntry("forwards_skipped", "0");
    }

    @Test
    void transformerBenchWithAGpuBudgetStreamsTheBlocksThatDoNotFit() throws IOException {
        // The reserve, the tiled decode of 64x64 frames, and all but 200 kB of the tiny model's 1.26 MB.
        long budget = MemoryPlan.RESERVE_BYTES + MemoryPlan.decodeBytes(64, 64, true) + 1_064_384;
        String out = bench("transformer", "--model", "tiny", "--steps", "2", "--latent", "8x8",
                "--gpu-memory", String.format(Locale.ROOT, "%.12f", budget / (double) (1L << 30)));

        assertThat(out).contains("2 of 4 blocks resident, the rest streamed from host memory")
                .containsPattern("section 1: [\\d.]+ s for 2 steps");
        assertThat(summary(out)).containsEntry("resident_blocks", "2/4");
    }

    @Test
    void transformerBenchWithTeaCacheReportsTheSkippedForwards() throws IOException {
        String out = bench("transformer", "--model", "tiny", "--steps", "6", "--latent", "8x8", "--teacache", "10");

        // A threshold no change reaches: every step but the first and last is skipped.
        assertThat(out).containsPattern("section 1: [\\d.]+ s for 6 steps: 2 forwards run, 4 skipped by TeaCache");
        assertThat(summary(out)).containsEntry("teacache", "10").containsEntry("forwards_run", "2")
                .containsEntry("forwards_skipped", "4");
    }

    @Test
    void transformerBenchWithTeaCacheAndGuidanceCountsBothPassesLikeARender() throws IOException {
        Map<String, String> summary = summary(bench("transformer", "--model", "tiny", "--steps", "6", "--latent", "8x8",
                "--teacache", "10", "--cfg", "2"));

        // TeaCache counts calls, as the official cache does: with two forwards a step its "first" and "last"
        // come round every 6 calls, so calls 1, 6, 7 and 12 of the 12 run.
        assertThat(summary).containsEntry("forwards_run", "4").containsEntry("forwards_skipped", "8");
    }

    @Test
    void transformerBenchRefusesBadSettingsBeforeBuildingAnything() {
        StandardOutput cfg = benchFailing("transformer", "--cfg", "0.5");
        StandardOutput teaCache = benchFailing("transformer", "--teacache", "-1");
        StandardOutput steps = benchFailing("transformer", "--steps", "0");

        assertThat(cfg.exitCode()).isNotZero();
        assertThat(cfg.text()).contains("--cfg must be between 1 and 32").doesNotContain("model tiny");
        assertThat(teaCache.exitCode()).isNotZero();
        assertThat(teaCache.text()).contains("--teacache must be 0 (off) or above");
        assertThat(steps.exitCode()).isNotZero();
        assertThat(steps.text()).contains("--steps, --sections and --window must be at least 1");
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
    void renderBenchRunsAWholeTinyJobOnTheCpuAndReportsEveryPhase() throws IOException {
        String out = bench("render", "--model", "tiny", "--seconds", "2", "--window", "3", "--steps", "2");

        // 2 s at window 3: five sections of the inverted schedule, each sampled, decoded and appended.
        List<Double> rss = Pattern.compile("section \\d: sampling [\\d.]+ s, decode and append [\\d.]+ s,"
                        + " \\d+ frames so far, host ([\\d.]+) GiB RSS").matcher(out).results()
                .map(m -> Double.parseDouble(m.group(1))).toList();
        assertThat(rss).hasSize(5).allSatisfy(gib -> assertThat(gib).isGreaterThan(0.05));
        assertThat(out).containsPattern("phases: model check and memory plan [\\d.]+ s, text encoders \\(LLaMA, CLIP\\)"
                        + " and SigLIP [\\d.]+ s, VAE and transformer load, start-image VAE encode [\\d.]+ s,"
                        + " final checkpoint [\\d.]+ s, MP4 encode and publish [\\d.]+ s")
                .containsPattern("peak memory: GPU none \\(CPU render\\); host [\\d.]+ GiB peak RSS");
        Map<String, String> summary = summary(out);
        int frames = Integer.parseInt(summary.get("frames"));
        // Every section but the first adds 4 x window pixel frames; the first adds one more.
        assertThat(frames).isEqualTo(5 * 4 * 3 + 1);
        double total = Double.parseDouble(summary.get("total_s"));
        assertThat(Double.parseDouble(summary.get("s_per_video_s"))).isCloseTo(total / (frames / 30.0), within(0.01));
        assertThat(Double.parseDouble(summary.get("first_section_s"))).isPositive().isLessThan(total);
        assertThat(Double.parseDouble(summary.get("sampling_s")) + Double.parseDouble(summary.get("decode_s")))
                .isPositive().isLessThan(total);
        assertThat(summary.get("peak_gpu_gib")).isEqualTo("-");
        double peak = Double.parseDouble(summary.get("peak_rss_gib"));
        assertThat(rss).allSatisfy(gib -> assertThat(gib).isLessThanOrEqualTo(peak));
    }

    @Test
    void renderBenchAtFullSizeAsksForTheModelDirectory() {
        StandardOutput run = benchFailing("render", "--model", "full");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.text()).contains("bench render --model full needs --model-dir");
    }

    @Test
    void renderBenchRefusesBadSettingsBeforeLoadingAnything() {
        StandardOutput settings = benchFailing("render", "--seconds", "0", "--steps", "0");
        StandardOutput budget = benchFailing("render", "--gpu-memory", "-1");

        assertThat(settings.exitCode()).isNotZero();
        assertThat(settings.text()).contains("--seconds: must be above 0").contains("--steps: must be between 1")
                .doesNotContain("render of");
        assertThat(budget.exitCode()).isNotZero();
        assertThat(budget.text()).contains("--gpu-memory must be above 0").doesNotContain("render of");
    }

    /** A bench run expected to fail: its exit code, and what it printed on standard output and error together. */
    private static StandardOutput benchFailing(String... args) {
        String[] command = Stream.concat(Stream.of("bench"), Stream.of(args)).toArray(String[]::new);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        StandardOutput run;
        try {
            run = StandardOutput.of(() -> new WorkerCli(new RandomWalkRenderer(1), Map.of()).execute(command));
        } finally {
            System.setErr(original);
        }
        return new StandardOutput(run.exitCode(), run.text() + err.toString(StandardCharsets.UTF_8));
    }

    private static Map<String, String> summary(String out) {
        String line = out.lines().filter(l -> l.startsWith("summary: ")).findFirst().orElseThrow();
        return Pattern.compile("(\\w+)=(\\S+)").matcher(line).results()
                .collect(java.util.stream.Collectors.toMap(m -> m.group(1), m -> m.group(2)));
    }

    @Test
    void aMalformedSizeIsRefused() {
        assertThat(new WorkerCli(new RandomWalkRenderer(1), Map.of()).execute("bench", "checkpoints", "--latent", "big"))
                .isNotZero();
    }

    private static String bench(String... args) {
        String[] command = Stream.concat(Stream.of("bench"), Stream.of(args)).toArray(String[]::new);
        StandardOutput run = StandardOutput.of(() -> new WorkerCli(new RandomWalkRenderer(1), Map.of()).execute(command));
        assertThat(run.exitCode()).as(run.text()).isZero();
        return run.text();
    }
}
