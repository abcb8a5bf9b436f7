package io.framepack.worker.runtime.checkpoint;

import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a store keeps after a save: the newest {@code keep} complete checkpoints, the blocks they
 * reference and the blocks other renders hold ({@link Holds}).
 */
final class Retention {
    private final ObjectStore store;
    private final int keep;

    /** @param keep number of complete checkpoints kept (older ones are deleted after a newer one is complete) */
    Retention(ObjectStore store, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keepCheckpoints must be at least 1, got " + keep);
        }
        this.store = store;
        this.keep = keep;
    }

    /**
     * Deletes complete checkpoints beyond the newest {@code keep}, and the groups of interrupted
     * writes (no manifest: the job's one writer is past them). A manifest goes first so that a
     * checkpoint is never half-deleted yet still looks complete.
     */
    void prune() throws IOException {
        List<String> keys = store.list(ObjectNames.GROUPS);
        List<String> complete = ObjectNames.completeGroupsNewestFirst(keys);
        List<String> kept = complete.subList(0, Math.min(keep, complete.size()));
        List<String> doomed = new ArrayList<>(complete.subList(kept.size(), complete.size()));
        for (String key : keys) {
            String group = ObjectNames.groupOf(key);
            if (group != null && !complete.contains(group) && !doomed.contains(group)) {
                doomed.add(group);
            }
        }
        for (String group : doomed) {
            store.delete(group + ObjectNames.MANIFEST);
            for (String key : keys) {
                if (key.startsWith(group) && !key.equals(group + ObjectNames.MANIFEST)) {
                    store.delete(key);
                }
            }
        }
        pruneBlocks(kept);
    }

    /**
     * Deletes the shared blocks of this store that no kept checkpoint references and no other
     * render holds; keeps them all when a manifest or a hold cannot be read.
     */
    private void pruneBlocks(List<String> kept) throws IOException {
        Set<String> referenced = new HashSet<>();
        try {
            referenced.addAll(Holds.held(store));
            for (String group : kept) {
                for (Manifest.TensorParts tensor : ManifestCodec.read(store, group).tensors()) {
                    for (Manifest.Part part : tensor.parts()) {
                        if (part.store() == null) {
                            referenced.add(part.key());
                        }
                    }
                }
            }
        } catch (CorruptCheckpointException e) {
            return;
        }
        for (String key : store.list(ObjectNames.BLOCKS)) {
            if (!referenced.contains(key)) {
                store.delete(key);
            }
        }
    }
}
