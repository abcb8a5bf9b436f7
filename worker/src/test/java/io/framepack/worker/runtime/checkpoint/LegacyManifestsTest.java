package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkpoints of earlier format versions load in today's shape: the format-3 checkpoint an
 * earlier worker wrote (test resources {@code checkpoints/}), and the same as version 2 (no seal).
 */
class LegacyManifestsTest {
    static final String FIXTURE = "checkpoints/format3-tiny-inverted";
    static final CheckpointIdentity TINY = new CheckpointIdentity("test/tiny-inverted/1", "spec", "model");

    @TempDir
    Path dir;
    final List<String> warnings = new ArrayList<>();

    @Test
    void theFormatThreeCheckpointLoadsWithItsSectionCountOnceAndItsBitsAsWritten() throws IOException {
        Path root = CheckpointFixtures.copyOfStore(FIXTURE, dir);

        Checkpoint loaded = new CheckpointStore(new DirectoryStore(root), 2).loadLatest(TINY, warnings::add).orElseThrow();

        assertFixture(loaded, root);
        assertThat(warnings).isEmpty();
    }

    @Test
    void theSameCheckpointAsFormatTwoWithoutASealLoads() throws IOException {
        Path root = CheckpointFixtures.copyOfStore(FIXTURE, dir);
        CheckpointFixtures.editManifest(CheckpointFixtures.manifestOf(root, 1), json -> {
            json.remove(ManifestCodec.MANIFEST_SHA256);
            json.put("version", 2);
        });

        assertFixture(new CheckpointStore(new DirectoryStore(root), 2).loadLatest(TINY, warnings::add).orElseThrow(), root);
        assertThat(warnings).isEmpty();
    }

    /** Up to version 3 the state said the section count twice more: a resealed edit of one copy is found. */
    @Test
    void aFormatThreeStateWhoseSectionCountDisagreesIsSkipped() throws IOException {
        Path root = CheckpointFixtures.copyOfStore(FIXTURE, dir);
        CheckpointFixtures.editAndReseal(CheckpointFixtures.manifestOf(root, 1),
                json -> ((ObjectNode) json.path("state").path("render")).put("noise_draws", 2));

        assertThat(new CheckpointStore(new DirectoryStore(root), 2).loadLatest(TINY, warnings::add)).isEmpty();
        assertThat(warnings).singleElement().asString().contains("its state says 2 noise_draws, its manifest 1 sections completed");
    }

    private static void assertFixture(Checkpoint loaded, Path root) throws IOException {
        assertThat(loaded.identity()).isEqualTo(TINY);
        assertThat(loaded.sectionsCompleted()).isEqualTo(1);
        assertThat(loaded.settings()).containsExactly(java.util.Map.entry("tiledVae", 0L));
        assertThat(loaded.sectionSeconds()).containsExactly(5.310244333);
        assertThat(loaded.tensors()).containsOnlyKeys("start_latent", "history_latents", "history_pixels");
        assertThat(loaded.tensors().get("history_latents").shape()).containsExactly(1, 16, 28, 6, 8);
        assertThat(loaded.tensors().get("history_latents").settledFrames()).isEqualTo(16);
        assertThat(loaded.tensors().get("history_pixels").shape()).containsExactly(1, 3, 33, 48, 64);
        Path group = CheckpointFixtures.manifestOf(root, 1).getParent();
        assertThat(CheckpointFixtures.whole(loaded.tensors().get("start_latent")).data())
                .isEqualTo(ByteBuffer.wrap(Files.readAllBytes(group.resolve("start_latent.bin"))));
    }
}
