package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A re-roll B starts from render A's checkpoint after section k and shares A's settled blocks:
 * B's manifests reference them in A's store (verified by their SHA-256), A's retention keeps them
 * while B holds them, and every way the start can be wrong is refused.
 */
class RerollCheckpointsTest {
    static final CheckpointIdentity A = new CheckpointIdentity("ns/a/uid-a", "spec-a", "model-a");
    static final CheckpointIdentity B = new CheckpointIdentity("ns/b/uid-b", "spec-b", "model-a");
    static final FrameTensor.SettledEnd END = FrameTensor.SettledEnd.END;

    @TempDir
    Path dir;
    final List<String> warnings = new ArrayList<>();

    Path rootA() {
        return dir.resolve("a");
    }

    Path rootB() {
        return dir.resolve("b");
    }

    /** As the worker opens other renders' stores: only below the checkpoint storage, here {@code dir}. */
    SharedStores underDir() {
        return location -> Path.of(location).startsWith(dir) ? Optional.of(new DirectoryStore(Path.of(location)))
                : Optional.empty();
    }

    CheckpointStore storeA(int keep) {
        return new CheckpointStore(new DirectoryStore(rootA()), keep);
    }

    /** B, re-rolled from A's checkpoint after {@code section} sections. */
    CheckpointStore storeB(int section) {
        return new CheckpointStore(new DirectoryStore(rootB()), 2,
                new CheckpointStore.Reroll(new DirectoryStore(rootA()), section, underDir()));
    }

    void renderA(int sections) throws IOException {
        CheckpointStore a = storeA(sections);
        for (int k = 1; k <= sections; k++) {
            a.save(CheckpointFixtures.growingVideo(A, k, END));
        }
    }

    /** {@code checkpoint} holds the fixture's video after {@code k} sections, bit for bit. */
    static void assertHoldsVideo(Checkpoint checkpoint, int k) {
        assertThat(CheckpointFixtures.whole(checkpoint.tensors().get("video")).data())
                .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.video(k, END)).data());
    }

    @Test
    void aRerollStartsFromTheSourcesSectionAndReferencesItsBlocksInsteadOfCopyingThem() throws IOException {
        renderA(4);
        List<Path> blocksOfA = CheckpointBlocksTest.files(rootA(), "blocks");
        CheckpointStore b = storeB(3);

        Checkpoint start = b.loadRerollStart("model-a").orElseThrow();
        assertThat(start.sectionsCompleted()).isEqualTo(3);
        assertHoldsVideo(start, 3);

        b.save(CheckpointFixtures.growingVideo(B, 4, END));
        b.save(CheckpointFixtures.growingVideo(B, 5, END));
        int settledAtThree = 3 * CheckpointFixtures.VIDEO_GROWTH - CheckpointFixtures.VIDEO_CHANGING;
        int settledAtFive = 5 * CheckpointFixtures.VIDEO_GROWTH - CheckpointFixtures.VIDEO_CHANGING;
        assertThat(CheckpointBlocksTest.files(rootB(), "blocks")).as("B writes only the blocks settled after A's section 3")
                .hasSize(CheckpointFixtures.blocksOf(settledAtFive) - CheckpointFixtures.blocksOf(settledAtThree));
        assertThat(CheckpointBlocksTest.files(rootA(), "blocks")).isEqualTo(blocksOfA);
        String manifest = Files.readString(CheckpointFixtures.manifestOf(rootB(), 5));
        assertThat(manifest).contains("\"store\" : \"" + rootA() + "\"");

        Checkpoint resumed = storeB(3).loadLatest(B, warnings::add).orElseThrow();
        assertThat(resumed.sectionsCompleted()).isEqualTo(5);
        assertHoldsVideo(resumed, 5);
        assertThat(warnings).isEmpty();
    }

    @Test
    void theSourcesRetentionKeepsTheBlocksARerollHolds() throws IOException {
        renderA(3);
        CheckpointStore b = storeB(3);
        b.loadRerollStart("model-a").orElseThrow();
        b.save(CheckpointFixtures.growingVideo(B, 4, END));
        List<Path> heldBlocks = CheckpointBlocksTest.files(rootA(), "blocks");
        assertThat(Files.readString(rootA().resolve(ObjectNames.hold(rootB().toString())))).contains(rootB().toString());

        // A's next writer shares none of its old blocks (as after a lost block) and keeps one checkpoint:
        // without the hold, its retention would delete every block B's checkpoint references.
        CheckpointStore rewritingA = storeA(1);
        rewritingA.save(CheckpointFixtures.growingVideo(A, 4, END));
        rewritingA.save(CheckpointFixtures.growingVideo(A, 5, END));
        assertThat(CheckpointBlocksTest.files(rootA(), "blocks")).containsAll(heldBlocks);

        Checkpoint resumed = storeB(3).loadLatest(B, warnings::add).orElseThrow();
        assertHoldsVideo(resumed, 4);
        assertThat(warnings).isEmpty();
    }

    @Test
    void withoutAHoldTheSourcesRetentionDeletesItsUnreferencedBlocks() throws IOException {
        renderA(3);
        List<Path> oldBlocks = CheckpointBlocksTest.files(rootA(), "blocks");
        CheckpointStore rewritingA = storeA(1);
        rewritingA.save(CheckpointFixtures.growingVideo(A, 4, END));

        assertThat(CheckpointBlocksTest.files(rootA(), "blocks")).doesNotContainAnyElementsOf(oldBlocks);
    }

    @Test
    void anUnreadableHoldKeepsEveryBlock() throws IOException {
        renderA(3);
        List<Path> oldBlocks = CheckpointBlocksTest.files(rootA(), "blocks");
        new DirectoryStore(rootA()).write(ObjectNames.hold("/elsewhere"), "{not json".getBytes());
        storeA(1).save(CheckpointFixtures.growingVideo(A, 4, END));

        assertThat(CheckpointBlocksTest.files(rootA(), "blocks")).containsAll(oldBlocks);
    }

    @Test
    void aRerollOfARerollReferencesTheFirstRendersBlocksToo() throws IOException {
        renderA(3);
        CheckpointStore b = storeB(2);
        b.loadRerollStart("model-a").orElseThrow();
        b.save(CheckpointFixtures.growingVideo(B, 3, END));
        b.save(CheckpointFixtures.growingVideo(B, 4, END));

        Path rootC = dir.resolve("c");
        CheckpointStore c = new CheckpointStore(new DirectoryStore(rootC), 2,
                new CheckpointStore.Reroll(new DirectoryStore(rootB()), 4, underDir()));
        c.loadRerollStart("model-a").orElseThrow();
        c.save(CheckpointFixtures.growingVideo(B, 5, END));
        String manifest = Files.readString(CheckpointFixtures.manifestOf(rootC, 5));
        assertThat(manifest).contains("\"store\" : \"" + rootA() + "\"").contains("\"store\" : \"" + rootB() + "\"");
        assertThat(new ObjectMapper().readTree(rootA().resolve(ObjectNames.hold(rootC.toString())).toFile())
                .path("blocks").size()).isPositive();

        Checkpoint resumed = new CheckpointStore(new DirectoryStore(rootC), 2,
                new CheckpointStore.Reroll(new DirectoryStore(rootB()), 4, underDir())).loadLatest(B, warnings::add)
                .orElseThrow();
        assertHoldsVideo(resumed, 5);
    }

    @Test
    void aSourceWithoutCheckpointsOrNotAtTheSectionIsRefusedNamingWhatItKeeps() throws IOException {
        assertThatThrownBy(() -> storeB(2).loadRerollStart("model-a"))
                .isInstanceOf(CheckpointMismatchException.class).hasMessageContaining("holds no checkpoint");

        CheckpointStore a = storeA(2);
        for (int k = 1; k <= 4; k++) {
            a.save(CheckpointFixtures.growingVideo(A, k, END));
        }
        assertThatThrownBy(() -> storeB(2).loadRerollStart("model-a"))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessageContaining("keeps the checkpoints after sections [3, 4], none after section 2");
        assertThatThrownBy(() -> storeB(5).loadRerollStart("model-a"))
                .hasMessageContaining("has not reached it yet");
    }

    @Test
    void aSourceOfOtherModelFilesOrACorruptCheckpointIsRefused() throws IOException {
        renderA(3);
        assertThatThrownBy(() -> storeB(3).loadRerollStart("model-b"))
                .isInstanceOf(CheckpointMismatchException.class).hasMessageContaining("different model files");

        Path block = CheckpointBlocksTest.files(rootA(), "blocks").get(0);
        byte[] bytes = Files.readAllBytes(block);
        bytes[3] ^= 1;
        Files.write(block, bytes);
        assertThatThrownBy(() -> storeB(3).loadRerollStart("model-a"))
                .isInstanceOf(CheckpointMismatchException.class).hasMessageContaining("corrupt")
                .hasMessageContaining("fails its SHA-256 check");
    }

    @Test
    void aManifestNamingAStoreOutsideTheCheckpointStorageIsSkipped() throws IOException {
        renderA(3);
        CheckpointStore b = storeB(3);
        b.loadRerollStart("model-a").orElseThrow();
        b.save(CheckpointFixtures.growingVideo(B, 4, END));

        CheckpointStore confined = new CheckpointStore(new DirectoryStore(rootB()), 2,
                new CheckpointStore.Reroll(new DirectoryStore(rootA()), 3, location -> Optional.empty()));
        assertThat(confined.loadLatest(B, warnings::add)).isEmpty();
        assertThat(warnings).singleElement().asString().contains("which this job's checkpoint storage does not hold");
    }

    @Test
    void aLostSourceBlockIsWrittenAgainByTheRerollsNextSave() throws IOException {
        renderA(3);
        CheckpointStore b = storeB(3);
        b.loadRerollStart("model-a").orElseThrow();
        ObjectStore rawA = new DirectoryStore(rootA());
        for (String key : rawA.list(ObjectNames.BLOCKS)) {
            rawA.delete(key);
        }
        assertThatThrownBy(() -> b.save(CheckpointFixtures.growingVideo(B, 4, END))).hasMessageContaining("is gone from the store");

        b.save(CheckpointFixtures.growingVideo(B, 5, END));
        assertThat(Files.readString(CheckpointFixtures.manifestOf(rootB(), 5))).doesNotContain("\"store\"");
        assertHoldsVideo(storeB(3).loadLatest(B, warnings::add).orElseThrow(), 5);
    }
}
