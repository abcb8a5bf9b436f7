package io.framepack.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.FramePackRenderer;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointFixtures;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.checkpoint.FrameTensor;
import io.framepack.worker.runtime.output.SameBytes;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.ObjectStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code generate --from CHECKPOINT_DIR --from-section k} on the bundled tiny model: a re-roll
 * with the source's own seed and prompt reproduces the source exactly (checkpoint tensors and MP4
 * bytes, on this machine), one with another seed keeps the source's first k sections and renders
 * the rest anew, and a re-roll that cannot continue the source is refused before anything renders.
 */
class RerollCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Three sections of the inverted schedule, every checkpoint kept. */
    static final List<String> SOURCE = List.of("--demo", "--device", "cpu", "--progress", "json", "--steps", "2",
            "--prompt", "a cat walks", "--keep-checkpoints", "3", "--seconds", "3.6", "--seed", "5");

    /** Shared by the tests: the source renders once. */
    @TempDir
    static Path dir;
    static Path sourceCheckpoints;

    static StandardOutput generate(List<String> common, String... options) {
        List<String> args = new ArrayList<>(List.of("generate"));
        args.addAll(common);
        args.addAll(List.of(options));
        return StandardOutput.of(() -> new WorkerCli(new FramePackRenderer(), Map.of()).execute(args.toArray(String[]::new)));
    }

    @BeforeAll
    static void renderTheSource() {
        StandardOutput source = generate(SOURCE, "--out", dir.resolve("source.mp4").toString());
        assertThat(source.exitCode()).as(source.toString()).isEqualTo(ExitCode.SUCCESS.code);
        sourceCheckpoints = dir.resolve("source.checkpoints");
    }

    /** A re-roll from {@code section} with the source's settings, but for the option and value in {@code changed}. */
    StandardOutput reroll(String name, int section, String... changed) {
        List<String> args = new ArrayList<>(SOURCE);
        for (int i = 0; i < changed.length; i += 2) {
            int given = args.indexOf(changed[i]);
            if (given >= 0) {
                args.subList(given, given + 2).clear();
            }
        }
        args.addAll(List.of("--from", sourceCheckpoints.toString(), "--from-section", String.valueOf(section),
                "--out", dir.resolve(name + ".mp4").toString()));
        return generate(args, changed);
    }

    /** The checkpoint after {@code section} sections in {@code store}, read as a re-roll's start (which holds its blocks). */
    static Checkpoint checkpoint(Path store, int section) throws IOException {
        CheckpointStore.Reroll start = new CheckpointStore.Reroll(new DirectoryStore(store), section,
                Stores.localCheckpointDirectories());
        return new CheckpointStore(new DirectoryStore(store.resolveSibling("unused-" + section)), 1, start)
                .loadRerollStart(modelOf(store)).orElseThrow();
    }

    static String modelOf(Path store) throws IOException {
        try (Stream<Path> files = Files.walk(store)) {
            Path manifest = files.filter(p -> p.getFileName().toString().equals("manifest.json")).findFirst().orElseThrow();
            return JSON.readTree(manifest.toFile()).path("modelId").asText();
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "2"})
    void aRerollWithTheSourcesSeedAndPromptReproducesTheSourceExactly(int section) throws IOException {
        StandardOutput same = reroll("same-" + section, section);
        assertThat(same.exitCode()).as(same.toString()).isEqualTo(ExitCode.SUCCESS.code);
        assertThat(same.text()).contains("Re-rolling from the checkpoint after section " + section);

        SameBytes.assertSameFile(dir.resolve("source.mp4"), dir.resolve("same-" + section + ".mp4"));
        Checkpoint expected = checkpoint(sourceCheckpoints, 3);
        Checkpoint actual = checkpoint(dir.resolve("same-" + section + ".checkpoints"), 3);
        assertThat(actual.tensors().keySet()).isEqualTo(expected.tensors().keySet());
        expected.tensors().forEach((name, tensor) -> assertThat(CheckpointFixtures.whole(actual.tensors().get(name)).data())
                .as(name).isEqualTo(CheckpointFixtures.whole(tensor).data()));
    }

    @Test
    void aRerollSharesTheSourcesSettledBlocksInsteadOfCopyingThem() throws IOException {
        assertThat(reroll("shared", 2).exitCode()).isEqualTo(ExitCode.SUCCESS.code);
        ObjectStore source = new DirectoryStore(sourceCheckpoints);
        ObjectStore reroll = new DirectoryStore(dir.resolve("shared.checkpoints"));
        List<String> sourceBlocks = source.list("blocks/");
        assertThat(sourceBlocks).as("the tiny render settles whole blocks by section 2").isNotEmpty();

        String manifest = new String(reroll.read(reroll.list("ckpt-000003-").stream()
                .filter(key -> key.endsWith("manifest.json")).findFirst().orElseThrow()).orElseThrow());
        assertThat(manifest).contains("\"store\" : \"" + sourceCheckpoints.toAbsolutePath().normalize() + "\"");
        for (String key : reroll.list("blocks/")) {
            assertThat(sourceBlocks).as("a block the re-roll wrote itself").doesNotContain(key);
        }
        List<String> holders = new ArrayList<>();
        for (String hold : source.list("holds/")) {
            holders.add(JSON.readTree(source.read(hold).orElseThrow()).path("holder").asText());
        }
        assertThat(holders).contains(dir.resolve("shared.checkpoints").toAbsolutePath().normalize().toString());
    }

    @Test
    void aRerollWithAnotherSeedKeepsTheSourcesFirstSectionsAndRendersTheRestAnew() throws IOException {
        StandardOutput other = reroll("other", 1, "--seed", "6");
        assertThat(other.exitCode()).as(other.toString()).isEqualTo(ExitCode.SUCCESS.code);
        assertThat(Files.readAllBytes(dir.resolve("other.mp4"))).isNotEqualTo(Files.readAllBytes(dir.resolve("source.mp4")));

        // Inverted sampling prepends each section's latents: the source's first section lies at the history's end.
        FrameTensor kept = checkpoint(sourceCheckpoints, 1).tensors().get("history_latents");
        FrameTensor rerolled = checkpoint(dir.resolve("other.checkpoints"), 3).tensors().get("history_latents");
        FrameTensor sourceEnd = checkpoint(sourceCheckpoints, 3).tensors().get("history_latents");
        int tail = kept.frames();
        assertThat(bytes(rerolled, rerolled.frames() - tail, rerolled.frames()))
                .isEqualTo(bytes(kept, 0, tail));
        assertThat(bytes(rerolled, 0, rerolled.frames() - tail))
                .isNotEqualTo(bytes(sourceEnd, 0, sourceEnd.frames() - tail));
    }

    static byte[] bytes(FrameTensor tensor, int from, int to) {
        ByteBuffer data = tensor.source().frames(from, to).data().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--latent-window-size|5|another latentWindowSize (9), this render has latentWindowSize (5)",
            "--resolution|128|another resolution (64), this render has resolution (128)",
            "--variant|f1|another variant (inverted), this render has variant (f1)",
            "--seconds|6|another sectionsTotal (3), this render has sectionsTotal (5)",
    })
    void aRerollThatCannotContinueTheSourceIsRefused(String option, String value, String message) {
        StandardOutput refused = reroll("refused", 1, option, value);
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(GenerateCommandTest.lastEvent(refused).path("message").asText()).contains(message);
        assertThat(dir.resolve("refused.mp4")).doesNotExist();
    }

    @Test
    void anotherStartImageIsRefused() throws IOException {
        Path image = dir.resolve("other.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", image.toFile());
        StandardOutput refused = reroll("image", 1, "--image", image.toString());
        assertThat(refused.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(GenerateCommandTest.lastEvent(refused).path("message").asText()).contains("another start image");
    }

    @Test
    void aSectionNotKeptAMissingSourceOrAHalfGivenOptionIsRefused() {
        StandardOutput notReached = reroll("late", 3);
        assertThat(notReached.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(GenerateCommandTest.lastEvent(notReached).path("message").asText()).contains("none is left to re-roll");

        StandardOutput beyond = reroll("beyond", 4);
        assertThat(GenerateCommandTest.lastEvent(beyond).path("message").asText()).contains("none after section 4");

        StandardOutput missing = generate(SOURCE, "--from", dir.resolve("nothing-here").toString(), "--from-section", "1",
                "--out", dir.resolve("missing.mp4").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(GenerateCommandTest.lastEvent(missing).path("message").asText()).contains("holds no checkpoint");

        StandardOutput half = generate(SOURCE, "--from", sourceCheckpoints.toString(), "--out", dir.resolve("half.mp4").toString());
        assertThat(GenerateCommandTest.lastEvent(half).path("message").asText()).isEqualTo("give --from and --from-section together");

        StandardOutput zero = reroll("zero", 0);
        assertThat(GenerateCommandTest.lastEvent(zero).path("message").asText()).contains("--from-section: must be between 1 and");

        StandardOutput itself = generate(SOURCE, "--from", sourceCheckpoints.toString(), "--from-section", "1",
                "--out", dir.resolve("source.mp4").toString());
        assertThat(GenerateCommandTest.lastEvent(itself).path("message").asText()).contains("names this render's own checkpoint directory");
    }

    @Test
    void aCorruptSourceCheckpointIsRefused() throws IOException {
        Path copy = CheckpointFixtures.copyTree(sourceCheckpoints, dir.resolve("corrupt.source"));
        try (Stream<Path> files = Files.walk(copy)) {
            for (Path part : files.filter(p -> p.toString().contains("ckpt-000001-") && p.toString().endsWith(".bin")).toList()) {
                byte[] bytes = Files.readAllBytes(part);
                bytes[bytes.length / 2] ^= 1;
                Files.write(part, bytes);
            }
        }
        StandardOutput corrupt = generate(SOURCE, "--from", copy.toString(), "--from-section", "1",
                "--out", dir.resolve("corrupt.mp4").toString());
        assertThat(corrupt.exitCode()).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(GenerateCommandTest.lastEvent(corrupt).path("message").asText()).contains("its checkpoint is corrupt")
                .contains("fails its SHA-256 check");
        assertThat(Arrays.asList(corrupt.text().split("\n"))).noneMatch(line -> line.contains("\"section_done\""));
    }
}
