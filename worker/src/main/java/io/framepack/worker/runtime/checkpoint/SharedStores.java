package io.framepack.worker.runtime.checkpoint;

import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.util.Optional;

/**
 * Opens the checkpoint stores of other renders, by the location a manifest names them with: a
 * re-roll reads the blocks it shares with the render it started from there. Manifests are input
 * like any other, so an implementation opens only locations the job may read (its checkpoint
 * storage), never whatever a manifest names.
 */
@FunctionalInterface
public interface SharedStores {
    /** For renders that share no blocks with another. */
    SharedStores NONE = location -> Optional.empty();

    /** The store at {@code location} ({@link ObjectStore#location()}), or empty where this job may not read. */
    Optional<ObjectStore> open(String location) throws IOException;
}
