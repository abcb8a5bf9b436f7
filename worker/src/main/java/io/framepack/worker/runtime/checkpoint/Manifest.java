package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;

import java.util.List;
import java.util.Map;

/**
 * A checkpoint as its manifest describes it: everything but the tensors' bits, which it lists as
 * parts along their time axis, each with its size and SHA-256 ({@link ManifestCodec} writes it).
 */
record Manifest(CheckpointIdentity identity, int sectionsCompleted, Map<String, Long> settings,
                List<Double> sectionSeconds, List<TensorParts> tensors) {

    /** A tensor stored as consecutive parts along its time axis. */
    record TensorParts(String name, DataType dtype, long[] shape, FrameTensor.SettledEnd settledEnd, List<Part> parts) {
    }

    /**
     * One stored piece of a tensor: {@code frames} frames in object {@code key}; {@code block} ≥ 0 for a shared
     * settled block; {@code store} null where the object is in this checkpoint's store, else the location of
     * the other render's store it is shared from (a re-roll's blocks of the render it started from).
     */
    record Part(String key, int frames, long bytes, String sha256, int block, String store) {
        boolean shared() {
            return block >= 0;
        }

        /** This part as the checkpoints of the store at {@code location} reference it, read from {@code owner}. */
        Part seenFrom(String location, String owner) {
            String in = store != null ? store : owner;
            return new Part(key, frames, bytes, sha256, block, in.equals(location) ? null : in);
        }
    }
}
