package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.LimitedChannel;
import io.framepack.worker.runtime.storage.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointStoreTest {
    static final CheckpointIdentity JOB = new CheckpointIdentity("ns/video/uid-1", "spec-a", "model-a");

    @TempDir
    Path dir;
    final List<String> warnings = new ArrayList<>();

    @Test
    void savedCheckpointLoadsBitIdenticalWithItsState() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        Checkpoint saved = CheckpointFixtures.checkpoint(JOB, 3);
        CheckpointStore.Saved result = store.save(saved);

        Checkpoint loaded = store.loadLatest(JOB, warnings::add).orElseThrow();
        assertThat(loaded.sectionsCompleted()).isEqualTo(3);
        assertThat(loaded.settings()).isEqualTo(saved.settings());
        assertThat(loaded.sectionSeconds()).isEqualTo(saved.sectionSeconds());
        assertThat(loaded.tensors()).containsOnlyKeys("history_latents", "start_latent");
        saved.tensors().forEach((name, tensor) -> {
            StoredTensor back = CheckpointFixtures.whole(loaded.tensors().get(name));
            assertThat(back.dtype()).isEqualTo(tensor.dtype());
            assertThat(back.shape()).isEqualTo(tensor.shape());
            assertThat(back.data()).isEqualTo(CheckpointFixtures.whole(tensor).data());
        });
        assertThat(result.bytes()).isGreaterThan(2 * 16 * 3 * 4 * 4 * 4);
        assertThat(result.location()).startsWith(dir.toString()).contains("ckpt-000003-");
        assertThat(warnings).isEmpty();
    }

    @Test
    void emptyStoreHasNoCheckpoint() throws IOException {
        assertThat(new CheckpointStore(new DirectoryStore(dir.resolve("never-written")), 2)
                .loadLatest(JOB, warnings::add)).isEmpty();
    }

    @Test
    void keepsOnlyTheNewestCheckpoints() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        for (int section = 1; section <= 4; section++) {
            store.save(CheckpointFixtures.checkpoint(JOB, section));
        }
        assertThat(groups()).hasSize(2).allMatch(g -> g.startsWith("ckpt-000004") || g.startsWith("ckpt-000003"));
        assertThat(store.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(4);
    }

    @Test
    void corruptNewestFallsBackToThePreviousWithAWarning() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 3);
        store.save(CheckpointFixtures.checkpoint(JOB, 1));
        store.save(CheckpointFixtures.checkpoint(JOB, 2));
        Path latents = tensorFile(2, "history_latents.bin");
        byte[] bytes = Files.readAllBytes(latents);
        bytes[100] ^= 0x01;
        Files.write(latents, bytes);

        Checkpoint loaded = store.loadLatest(JOB, warnings::add).orElseThrow();
        assertThat(loaded.sectionsCompleted()).isEqualTo(1);
        assertThat(CheckpointFixtures.whole(loaded.tensors().get("history_latents")).data())
                .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.checkpoint(JOB, 1).tensors().get("history_latents")).data());
        assertThat(warnings).singleElement().asString()
                .contains("ckpt-000002-").contains("history_latents.bin fails its SHA-256 check");
    }

    @Test
    void truncatedTensorAndGarbageManifestAreSkipped() throws IOException {
        CheckpointStore store = storeWithThreeCheckpoints();
        try (FileChannel channel = FileChannel.open(tensorFile(3, "start_latent.bin"), StandardOpenOption.WRITE)) {
            channel.truncate(7);
        }
        Files.writeString(tensorFile(2, "manifest.json"), "{\"format\": \"framepack-checkpoint\", \"vers");

        assertThat(store.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(1);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("start_latent.bin is truncated (7 of 30 bytes)");
        assertThat(warnings.get(1)).contains("manifest is not valid JSON");
    }

    @Test
    void checkpointOfAnotherSpecOrModelIsRefusedAndKept() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        store.save(CheckpointFixtures.checkpoint(JOB, 2));

        assertThatThrownBy(() -> store.loadLatest(new CheckpointIdentity(JOB.jobId(), "spec-b", JOB.modelId()), warnings::add))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessageContaining("different spec (spec-a, this job is spec-b)")
                .hasMessageContaining("delete that one to start over");
        assertThatThrownBy(() -> store.loadLatest(new CheckpointIdentity(JOB.jobId(), JOB.specHash(), "model-b"), warnings::add))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessageContaining("different model files");
        assertThat(store.loadLatest(JOB, warnings::add)).isPresent();
    }

    /** A resume trusts the manifest's scalars as much as its tensors: an edit to any of them is found. */
    @Test
    void editedScalarsInTheNewestManifestFallBackToThePreviousCheckpoint() throws IOException {
        CheckpointStore store = storeWithThreeCheckpoints();
        Path second = tensorFile(2, "manifest.json");
        Files.writeString(second, Files.readString(second).replace("\"totalLatentFrames\" : 18", "\"totalLatentFrames\" : 27"));
        Path third = tensorFile(3, "manifest.json");
        Files.writeString(third, Files.readString(third).replace("\"sectionsCompleted\" : 3", "\"sectionsCompleted\" : 4"));

        Checkpoint loaded = store.loadLatest(JOB, warnings::add).orElseThrow();
        assertThat(loaded.sectionsCompleted()).isEqualTo(1);
        assertThat(loaded.settings()).containsEntry("totalLatentFrames", 9L);
        assertThat(warnings).hasSize(2).allSatisfy(warning -> assertThat(warning).contains("manifest"));
        assertThat(warnings.get(0)).contains("ckpt-000003-");
        assertThat(warnings.get(1)).contains("ckpt-000002-").contains("manifest fails its SHA-256 check");
    }

    /** Sealed again after the edit, as a deliberate one would be: values of the wrong kind are still refused. */
    @Test
    void resealedSettingsOrSectionTimesOfTheWrongKindAreSkipped() throws IOException {
        CheckpointStore store = storeWithThreeCheckpoints();
        CheckpointFixtures.editAndReseal(tensorFile(3, "manifest.json"), json -> ((ObjectNode) json.get("settings")).put("seed", "31337"));
        CheckpointFixtures.editAndReseal(tensorFile(2, "manifest.json"), json -> json.putArray("sectionSeconds").add("fast"));

        assertThat(store.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(1);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("ckpt-000003-").contains("setting 'seed' is not a whole number");
        assertThat(warnings.get(1)).contains("ckpt-000002-").contains("sectionSeconds holds \"fast\", not a number");
    }

    @Test
    void newerFormatVersionIsSkipped() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 3);
        store.save(CheckpointFixtures.checkpoint(JOB, 1));
        store.save(CheckpointFixtures.checkpoint(JOB, 2));
        Path manifest = tensorFile(2, "manifest.json");
        int newer = ManifestCodec.FORMAT_VERSION + 1;
        Files.writeString(manifest, Files.readString(manifest)
                .replace("\"version\" : " + ManifestCodec.FORMAT_VERSION, "\"version\" : " + newer));

        assertThat(store.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(1);
        assertThat(warnings).singleElement().asString().contains("format version " + newer);
    }

    @Test
    void fullDiskDuringASaveLeavesThePreviousCheckpointUsable() throws IOException {
        new CheckpointStore(new DirectoryStore(dir), 2).save(CheckpointFixtures.checkpoint(JOB, 1));
        // A disk with 600 bytes left: the next checkpoint's first tensor does not fit.
        CheckpointStore full = new CheckpointStore(new DirectoryStore(dir, path -> new LimitedChannel(path, 600, LimitedChannel.DISK_FULL)), 2);

        assertThatThrownBy(() -> full.save(CheckpointFixtures.checkpoint(JOB, 2)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("cannot write " + dir)
                .hasMessageContaining("No space left on device");
        assertThat(full.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(1);
        assertThat(warnings).isEmpty();
        assertThat(leftoverTempFiles()).isEmpty();
    }

    @Test
    void crashBeforeTheManifestLeavesAnInvisibleIncompleteCheckpointThatIsCleanedLater() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 1);
        store.save(CheckpointFixtures.checkpoint(JOB, 1));
        // Tensor objects of section 2 written, the process died before the manifest.
        DirectoryStore raw = new DirectoryStore(dir);
        raw.write("ckpt-000002-0badf00d/history_latents.bin", new byte[64]);

        assertThat(store.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(1);
        store.save(CheckpointFixtures.checkpoint(JOB, 3));
        assertThat(groups()).singleElement().asString().startsWith("ckpt-000003-");
    }

    /** What a save killed after its first objects leaves, at the section the resumed render saves again. */
    @Test
    void anInterruptedSaveOfTheSectionSavedAgainIsRemovedByTheResumedSave() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        store.save(CheckpointFixtures.checkpoint(JOB, 1));
        new DirectoryStore(dir).write("ckpt-000002-0badf00d/history_latents.bin", new byte[64]);

        CheckpointStore resumed = new CheckpointStore(new DirectoryStore(dir), 2);
        assertThat(resumed.loadLatest(JOB, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(1);
        resumed.save(CheckpointFixtures.checkpoint(JOB, 2));
        assertThat(groups()).hasSize(2).noneMatch(group -> group.equals("ckpt-000002-0badf00d"));
    }

    @Test
    void aKilledWritersTemporaryFilesAreRemovedWhenTheNextOneStarts() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        store.save(CheckpointFixtures.checkpoint(JOB, 1));
        // What a process killed in the middle of writing section 2 leaves behind.
        Path torn = Files.createDirectories(dir.resolve("ckpt-000002-0badf00d"))
                .resolve(".history_latents.bin.tmp-2f1c4a2e-0000-0000-0000-000000000000");
        Files.write(torn, new byte[1000]);

        assertThat(new CheckpointStore(new DirectoryStore(dir), 2).loadLatest(JOB, warnings::add).orElseThrow()
                .sectionsCompleted()).isEqualTo(1);
        assertThat(leftoverTempFiles()).isEmpty();
    }

    @Test
    void unwritableStorageFailsWithTheLocation() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("checkpoints"), "a file where a directory should be");
        CheckpointStore store = new CheckpointStore(new DirectoryStore(notADirectory), 2);

        assertThatThrownBy(() -> store.save(CheckpointFixtures.checkpoint(JOB, 1)))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("cannot write " + notADirectory.resolve("ckpt-000001-").toString().substring(0, 10));
        assertThat(Files.readString(notADirectory)).isEqualTo("a file where a directory should be");
    }

    /** A store keeping three checkpoints, holding those after sections 1, 2 and 3. */
    private CheckpointStore storeWithThreeCheckpoints() throws IOException {
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 3);
        for (int section = 1; section <= 3; section++) {
            store.save(CheckpointFixtures.checkpoint(JOB, section));
        }
        return store;
    }

    private List<String> groups() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<Path> leftoverTempFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
        }
    }

    private Path tensorFile(int section, String file) throws IOException {
        String group = groups().stream().filter(g -> g.startsWith(String.format("ckpt-%06d-", section))).findFirst().orElseThrow();
        return dir.resolve(group).resolve(file);
    }
}
