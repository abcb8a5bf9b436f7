package io.framepack.worker.runtime.checkpoint;

import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.runtime.storage.StorageException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checkpoints in an {@link ObjectStore}. A save writes the tensors' new parts ({@link BlockPlan}:
 * settled frames once, into blocks later checkpoints share), hashed on the way
 * ({@link VerifiedParts}), then the manifest ({@link ManifestCodec}), then lets {@link Retention}
 * delete what is no longer kept. A checkpoint without its manifest was interrupted and is
 * ignored; objects are named as {@link ObjectNames} says. A re-roll starts from another render's
 * checkpoint ({@link #loadRerollStart}) and references that render's settled blocks where they lie.
 */
public final class CheckpointStore {
    private final ObjectStore store;
    private final Retention retention;
    /** Where this render was re-rolled from, or null. */
    private final Reroll reroll;
    private final SharedStores shared;
    /** Other renders' stores opened for their shared blocks, by location. */
    private final Map<String, ObjectStore> opened = new HashMap<>();
    /** Settled blocks the newest checkpoint written or read here references, by tensor name. */
    private Map<String, BlockPlan.SettledBlocks> settled = Map.of();

    /** @param keep number of complete checkpoints kept (older ones are deleted after a newer one is complete) */
    public CheckpointStore(ObjectStore store, int keep) {
        this(store, keep, null);
    }

    /** @param reroll where this render starts when its store holds no checkpoint yet; null for the first section */
    public CheckpointStore(ObjectStore store, int keep, Reroll reroll) {
        this.retention = new Retention(store, keep);
        this.store = store;
        this.reroll = reroll;
        this.shared = reroll == null ? SharedStores.NONE : reroll.shared();
    }

    /**
     * A re-roll's start: the checkpoint after {@code section} sections (counted as the status
     * counts finished sections: 1 is after the first) in {@code source}, another render's store.
     *
     * @param shared where the blocks this render shares with others are read: {@code source}'s and
     *               those its own checkpoints share
     */
    public record Reroll(ObjectStore source, int section, SharedStores shared) {
    }

    public String location() {
        return store.location();
    }

    /** Fails now if the store cannot be written ({@link ObjectStore#probe()}). */
    public void probe() throws IOException {
        store.probe();
    }

    /**
     * What a save cost, for progress and measurements.
     *
     * @param bytes       bytes written by this save
     * @param totalBytes  bytes the checkpoint holds, shared blocks included
     * @param copySeconds time to copy the new bits out of the render (the render waits for this)
     * @param seconds     time to write them (the render need not wait: {@link #prepare})
     */
    public record Saved(String location, int sectionsCompleted, long bytes, long totalBytes, double copySeconds,
                        double seconds) {
    }

    /**
     * Writes the checkpoint (new parts first, manifest last), then deletes checkpoints beyond the
     * newest {@code keep} and the blocks none of the remaining ones references.
     */
    public Saved save(Checkpoint checkpoint) throws IOException {
        return prepare(checkpoint).write();
    }

    /**
     * Copies out of {@code checkpoint} the bits this save must write (the frames not in a block an
     * earlier checkpoint holds), so the render may move on while {@link PreparedSave#write()} runs.
     * The previous save must have been written.
     */
    public PreparedSave prepare(Checkpoint checkpoint) {
        long started = System.nanoTime();
        String group = ObjectNames.newGroup(checkpoint.sectionsCompleted());
        Map<String, List<BlockPlan.PlannedPart>> planned = new LinkedHashMap<>();
        checkpoint.tensors().forEach((name, tensor) -> {
            if (!ObjectNames.isPlain(name)) {
                throw new IllegalArgumentException("tensor name '" + name + "' cannot name a file");
            }
            planned.put(name, BlockPlan.plan(group, name, tensor, settled.get(name)));
        });
        return new PreparedSave(checkpoint, group, planned, (System.nanoTime() - started) / 1e9);
    }

    /** A checkpoint ready to be written: it holds copies of every bit it writes. */
    public final class PreparedSave {
        private final Checkpoint checkpoint;
        private final String group;
        private final Map<String, List<BlockPlan.PlannedPart>> planned;
        private final double copySeconds;

        private PreparedSave(Checkpoint checkpoint, String group, Map<String, List<BlockPlan.PlannedPart>> planned,
                             double copySeconds) {
            this.checkpoint = checkpoint;
            this.group = group;
            this.planned = planned;
            this.copySeconds = copySeconds;
        }

        /** Writes the new parts, then the manifest; then prunes. Call once. */
        public Saved write() throws IOException {
            long started = System.nanoTime();
            List<Manifest.TensorParts> tensors = new ArrayList<>();
            Map<String, BlockPlan.SettledBlocks> nowSettled = new LinkedHashMap<>();
            long written = 0;
            long total = 0;
            for (Map.Entry<String, List<BlockPlan.PlannedPart>> entry : planned.entrySet()) {
                FrameTensor tensor = checkpoint.tensors().get(entry.getKey());
                List<Manifest.Part> parts = new ArrayList<>();
                for (BlockPlan.PlannedPart part : entry.getValue()) {
                    Manifest.Part stored = part.reused();
                    if (stored == null) {
                        stored = VerifiedParts.write(store, part.key(), part.bits(), part.block());
                        written += stored.bytes();
                    }
                    parts.add(stored);
                }
                tensors.add(new Manifest.TensorParts(entry.getKey(), tensor.dtype(), tensor.shape(), tensor.settledEnd(),
                        parts));
                nowSettled.put(entry.getKey(), BlockPlan.SettledBlocks.written(tensor, parts));
                total += tensor.byteSize();
            }
            requireReusedBlocks();
            Manifest manifest = new Manifest(checkpoint.identity(), checkpoint.sectionsCompleted(), checkpoint.settings(),
                    checkpoint.sectionSeconds(), tensors);
            byte[] manifestBytes = ManifestCodec.encode(manifest, group);
            store.write(group + ObjectNames.MANIFEST, manifestBytes);
            settled = nowSettled;
            retention.prune();
            return new Saved(store.locate(group), checkpoint.sectionsCompleted(), written + manifestBytes.length,
                    total + manifestBytes.length, copySeconds, (System.nanoTime() - started) / 1e9);
        }

        /**
         * A block shared with an earlier checkpoint may have been deleted since (by hand, by a
         * lifecycle rule): a manifest referencing it would be reported saved yet never load. The next
         * save then writes every block afresh.
         */
        private void requireReusedBlocks() throws IOException {
            List<Manifest.Part> reused = new ArrayList<>();
            planned.values().forEach(parts -> parts.stream().filter(part -> part.reused() != null)
                    .forEach(part -> reused.add(part.reused())));
            if (reused.isEmpty()) {
                return;
            }
            Map<String, Set<String>> present = new HashMap<>();
            for (Manifest.Part part : reused) {
                ObjectStore owner = part.store() == null ? store : opened.get(part.store());
                Set<String> blocks = present.get(owner.location());
                if (blocks == null) {
                    blocks = new HashSet<>(owner.list(ObjectNames.BLOCKS));
                    present.put(owner.location(), blocks);
                }
                if (!blocks.contains(part.key())) {
                    settled = Map.of();
                    throw new StorageException("cannot save checkpoint " + store.locate(group) + ": block "
                            + owner.locate(part.key()) + ", shared with the previous checkpoint, is gone from the store", null);
                }
            }
        }
    }

    /**
     * The newest checkpoint that verifies. Corrupt, truncated or unreadable ones are reported to
     * {@code warnings} and skipped in favour of the previous one.
     *
     * @throws CheckpointMismatchException when the newest intact checkpoint belongs to another
     *                                     spec or model: it is neither resumed nor discarded
     */
    public Optional<Checkpoint> loadLatest(CheckpointIdentity expected, Consumer<String> warnings) throws IOException {
        // A job's checkpoints have one writer, which is starting now: a killed predecessor's torn writes can go.
        store.deleteAbandonedWrites();
        for (String group : ObjectNames.completeGroupsNewestFirst(store.list(ObjectNames.GROUPS))) {
            Loaded loaded;
            try {
                loaded = load(store, group);
            } catch (CorruptCheckpointException e) {
                warnings.accept("skipping checkpoint " + store.locate(group) + ": " + e.getMessage());
                continue;
            }
            String mismatch = expected.mismatch(loaded.checkpoint().identity());
            if (mismatch != null) {
                throw new CheckpointMismatchException("refusing to resume from checkpoint " + store.locate(group)
                        + ": " + mismatch + ". Use another checkpoint location or delete that one to start over.");
            }
            settled = loaded.settled();
            return Optional.of(loaded.checkpoint());
        }
        return Optional.empty();
    }

    private record Loaded(Checkpoint checkpoint, Map<String, BlockPlan.SettledBlocks> settled) {
    }

    /**
     * The checkpoint a re-roll starts from ({@link Reroll}): this store's checkpoints then share
     * its settled blocks (held there, {@link Holds}) instead of copying them. Nothing else in the
     * source is written or deleted: its render may still be running.
     *
     * @param modelId the model files' fingerprint, which must be the one the source rendered with
     * @return empty when this render is no re-roll
     * @throws CheckpointMismatchException when there is no such checkpoint, every copy of it is
     *                                     corrupt, or it was made with other model files
     */
    public Optional<Checkpoint> loadRerollStart(String modelId) throws IOException {
        if (reroll == null) {
            return Optional.empty();
        }
        ObjectStore source = reroll.source();
        int section = reroll.section();
        List<String> groups = ObjectNames.completeGroupsNewestFirst(source.list(ObjectNames.GROUPS));
        String refused = "cannot re-roll from section " + section + " of " + source.location() + ": ";
        if (groups.isEmpty()) {
            throw new CheckpointMismatchException(refused + "it holds no checkpoint (not a render's checkpoint location,"
                    + " or its render has not finished a section yet)");
        }
        List<String> problems = new ArrayList<>();
        for (String group : groups.stream().filter(group -> ObjectNames.sectionOf(group) == section).toList()) {
            try {
                Loaded loaded = load(source, group);
                if (!loaded.checkpoint().identity().modelId().equals(modelId)) {
                    throw new CheckpointMismatchException(refused + "it was made with different model files ("
                            + loaded.checkpoint().identity().modelId() + ", now " + modelId + ")");
                }
                settled = loaded.settled();
                return Optional.of(loaded.checkpoint());
            } catch (CorruptCheckpointException e) {
                problems.add(source.locate(group) + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointMismatchException(refused + "its checkpoint is corrupt (" + String.join("; ", problems) + ")");
        }
        throw new CheckpointMismatchException(refused + "it keeps the checkpoints after sections "
                + groups.stream().map(ObjectNames::sectionOf).sorted().toList() + ", none after section " + section
                + " (its render has not reached it yet, saved only every n-th section, or kept only its newest:"
                + " render the source with more keepCheckpoints)");
    }

    /**
     * The checkpoint of {@code group} in {@code owner} (this store or a re-roll's source), its
     * manifest checked and its parts read and verified, every part as this store's checkpoints
     * reference it. The blocks of other stores among them are held there first.
     */
    private Loaded load(ObjectStore owner, String group) throws IOException, CorruptCheckpointException {
        Manifest manifest = ManifestCodec.read(owner, group);
        if (manifest.sectionsCompleted() != ObjectNames.sectionOf(group)) {
            throw new CorruptCheckpointException("manifest says " + manifest.sectionsCompleted()
                    + " sections completed, its name " + ObjectNames.sectionOf(group));
        }
        List<Manifest.TensorParts> located = new ArrayList<>();
        Map<String, List<String>> foreignBlocks = new LinkedHashMap<>();
        for (Manifest.TensorParts stored : manifest.tensors()) {
            List<Manifest.Part> parts = new ArrayList<>();
            for (Manifest.Part part : stored.parts()) {
                Manifest.Part seen = part.seenFrom(store.location(), owner.location());
                if (seen.store() != null) {
                    foreignBlocks.computeIfAbsent(seen.store(), location -> new ArrayList<>()).add(seen.key());
                }
                parts.add(seen);
            }
            located.add(new Manifest.TensorParts(stored.name(), stored.dtype(), stored.shape(), stored.settledEnd(), parts));
        }
        for (Map.Entry<String, List<String>> blocks : foreignBlocks.entrySet()) {
            Holds.add(storeAt(blocks.getKey()), store.location(), blocks.getValue());
        }
        Map<String, FrameTensor> tensors = new LinkedHashMap<>();
        Map<String, BlockPlan.SettledBlocks> blocks = new LinkedHashMap<>();
        for (Manifest.TensorParts stored : located) {
            List<StoredTensor> parts = new ArrayList<>();
            for (Manifest.Part part : stored.parts()) {
                parts.add(VerifiedParts.read(part.store() == null ? store : storeAt(part.store()), stored, part));
            }
            BlockPlan.SettledBlocks settledBlocks = BlockPlan.SettledBlocks.read(stored);
            tensors.put(stored.name(), new FrameTensor(stored.dtype(), stored.shape(), stored.settledEnd(),
                    settledBlocks.settledFrames(), (from, to) -> StoredTensor.framesOf(parts, from, to)));
            blocks.put(stored.name(), settledBlocks);
        }
        return new Loaded(new Checkpoint(manifest.identity(), manifest.sectionsCompleted(), tensors, manifest.settings(),
                manifest.sectionSeconds()), blocks);
    }

    /** The other render's store at {@code location}, opened once. */
    private ObjectStore storeAt(String location) throws IOException, CorruptCheckpointException {
        ObjectStore other = opened.get(location);
        if (other == null) {
            other = shared.open(location).orElseThrow(() -> new CorruptCheckpointException("it shares blocks of "
                    + location + ", which this job's checkpoint storage does not hold"));
            opened.put(location, other);
        }
        return other;
    }
}
