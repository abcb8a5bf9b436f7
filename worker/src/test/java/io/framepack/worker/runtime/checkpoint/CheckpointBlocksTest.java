package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A growing video: settled frames go to shared blocks once, each save writes what is new or may still change. */
class CheckpointBlocksTest {
    static final CheckpointIdentity JOB = new CheckpointIdentity("ns/video/uid-1", "spec-a", "model-a");
    static final long FRAME_BYTES = CheckpointFixtures.VIDEO_FRAME_BYTES;
    static final int GROWTH = CheckpointFixtures.VIDEO_GROWTH;
    static final int CHANGING = CheckpointFixtures.VIDEO_CHANGING;

    @TempDir
    Path dir;
    final List<String> warnings = new ArrayList<>();

    @Test
    void aGrowingVideoIsWrittenOnceAndLoadsBitForBit() throws IOException {
        for (FrameTensor.SettledEnd end : FrameTensor.SettledEnd.values()) {
            Path root = dir.resolve(end.name());
            CheckpointStore store = new CheckpointStore(new DirectoryStore(root), 2);
            for (int k = 1; k <= 6; k++) {
                CheckpointStore.Saved saved = store.save(CheckpointFixtures.growingVideo(JOB, k, end));
                long mostNew = (GROWTH + CHANGING + BlockPlan.BLOCK_FRAMES) * FRAME_BYTES;
                assertThat(saved.bytes() - manifestBytes(root, k)).as("bytes written by save %d", k)
                        .isLessThanOrEqualTo(mostNew);
                assertThat(saved.totalBytes() - manifestBytes(root, k)).isEqualTo(GROWTH * k * FRAME_BYTES);

                Checkpoint loaded = new CheckpointStore(new DirectoryStore(root), 2).loadLatest(JOB, warnings::add).orElseThrow();
                assertThat(CheckpointFixtures.whole(loaded.tensors().get("video")).data())
                        .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.video(k, end)).data());
            }
            // Blocks referenced by the two kept checkpoints remain, and no others.
            int settledNow = 6 * GROWTH - CHANGING;
            assertThat(files(root, "blocks")).hasSize(settledNow / BlockPlan.BLOCK_FRAMES);
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void aResumedProcessSharesTheBlocksItRead() throws IOException {
        CheckpointStore first = new CheckpointStore(new DirectoryStore(dir), 2);
        for (int k = 1; k <= 4; k++) {
            first.save(CheckpointFixtures.growingVideo(JOB, k, FrameTensor.SettledEnd.END));
        }
        List<Path> blocksBefore = files(dir, "blocks");

        CheckpointStore resumed = new CheckpointStore(new DirectoryStore(dir), 2);
        assertThat(resumed.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(4);
        CheckpointStore.Saved saved = resumed.save(CheckpointFixtures.growingVideo(JOB, 5, FrameTensor.SettledEnd.END));

        assertThat(files(dir, "blocks")).containsAll(blocksBefore);
        assertThat(saved.bytes() - manifestBytes(dir, 5))
                .isLessThanOrEqualTo((GROWTH + CHANGING + BlockPlan.BLOCK_FRAMES) * FRAME_BYTES);
    }

    /** A shared block deleted behind the writer's back: the save that would reference it fails, the next one rewrites it. */
    @Test
    void aSaveReferencingADeletedBlockFailsAndTheNextOneWritesTheBlockAgain() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        store.save(CheckpointFixtures.growingVideo(JOB, 2, FrameTensor.SettledEnd.END));
        Path deleted = files(dir, "blocks").get(0);
        Files.delete(deleted);

        assertThatThrownBy(() -> store.save(CheckpointFixtures.growingVideo(JOB, 3, FrameTensor.SettledEnd.END)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(deleted.getFileName().toString()).hasMessageContaining("is gone from the store");
        assertThat(new CheckpointStore(new DirectoryStore(dir), 2).loadLatest(JOB, warnings::add)
                .map(Checkpoint::sectionsCompleted)).as("section 3 was not saved").isNotEqualTo(Optional.of(3));

        store.save(CheckpointFixtures.growingVideo(JOB, 4, FrameTensor.SettledEnd.END));
        Checkpoint loaded = new CheckpointStore(new DirectoryStore(dir), 2).loadLatest(JOB, warnings::add).orElseThrow();
        assertThat(loaded.sectionsCompleted()).isEqualTo(4);
        assertThat(CheckpointFixtures.whole(loaded.tensors().get("video")).data())
                .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.video(4, FrameTensor.SettledEnd.END)).data());
        assertThat(files(dir, "").stream().map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ckpt-000003-")))
                .as("the failed save's parts are gone").isEmpty();
    }

    @Test
    void aCorruptPartOfTheNewestFallsBackToThePrevious() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        store.save(CheckpointFixtures.growingVideo(JOB, 3, FrameTensor.SettledEnd.END));
        store.save(CheckpointFixtures.growingVideo(JOB, 4, FrameTensor.SettledEnd.END));
        Path newest = files(dir, "").stream().filter(p -> p.getFileName().toString().startsWith("ckpt-000004-"))
                .findFirst().orElseThrow();
        Path changing = files(newest, "").stream().filter(p -> p.getFileName().toString().startsWith("video"))
                .findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(changing);
        bytes[5] ^= 1;
        Files.write(changing, bytes);

        Checkpoint loaded = new CheckpointStore(new DirectoryStore(dir), 2).loadLatest(JOB, warnings::add).orElseThrow();
        assertThat(loaded.sectionsCompleted()).isEqualTo(3);
        assertThat(CheckpointFixtures.whole(loaded.tensors().get("video")).data())
                .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.video(3, FrameTensor.SettledEnd.END)).data());
        assertThat(warnings).singleElement().asString().contains("fails its SHA-256 check");
    }

    @Test
    void aVersionOneCheckpointStillLoads() throws IOException {
        StoredTensor whole = CheckpointFixtures.whole(CheckpointFixtures.video(2, FrameTensor.SettledEnd.END));
        byte[] data = new byte[whole.data().remaining()];
        whole.data().duplicate().get(data);
        DirectoryStore raw = new DirectoryStore(dir);
        raw.write("ckpt-000002-0123abcd/video.bin", data);
        String sha256 = java.util.HexFormat.of().formatHex(sha256(data));
        raw.write("ckpt-000002-0123abcd/manifest.json", new ObjectMapper().writeValueAsBytes(Map.of(
                "format", "framepack-checkpoint", "version", 1, "jobId", JOB.jobId(), "specHash", JOB.specHash(),
                "modelId", JOB.modelId(), "sectionsCompleted", 2, "state", Map.of(),
                "tensors", List.of(Map.of("name", "video", "file", "video.bin", "dtype", "FLOAT32",
                        "shape", whole.shape(), "bytes", data.length, "sha256", sha256)))));

        Checkpoint loaded = new CheckpointStore(raw, 2).loadLatest(JOB, warnings::add).orElseThrow();
        assertThat(CheckpointFixtures.whole(loaded.tensors().get("video")).data()).isEqualTo(whole.data());
        assertThat(warnings).isEmpty();
    }

    static long manifestBytes(Path root, int section) throws IOException {
        return Files.size(CheckpointFixtures.manifestOf(root, section));
    }

    static List<Path> files(Path root, String sub) throws IOException {
        Path folder = sub.isEmpty() ? root : root.resolve(sub);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.sorted().toList();
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
