package io.framepack.worker.runtime.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A flat namespace of immutable-once-written objects addressed by '/'-separated keys: a directory
 * (a PVC in the cluster) or an S3 prefix. Every write is all-or-nothing: a reader sees either the
 * previous object or the complete new one, never a torn write, whatever moment the process dies.
 */
public interface ObjectStore {

    /** Where the store lives, for messages and progress ({@code /checkpoints/job}, {@code s3://bucket/prefix}). */
    String location();

    /** Where one object lives, in the same notation as {@link #location()}. */
    String locate(String key);

    /**
     * Starts writing an object. Nothing is visible under {@code key} until {@link PendingObject#commit()};
     * closing without committing discards what was written.
     */
    PendingObject create(String key) throws IOException;

    /** The object's bytes, or empty when there is no such object. */
    Optional<InputStream> open(String key) throws IOException;

    /** Keys of all objects whose key starts with {@code prefix}, sorted. */
    List<String> list(String prefix) throws IOException;

    /** Size in bytes, or empty when there is no such object. */
    Optional<Long> size(String key) throws IOException;

    /** Removes an object; removing a missing one is not an error. */
    void delete(String key) throws IOException;

    /**
     * Removes what writes that never committed left behind (the process died mid-write). Call
     * only while no other writer uses the store. Nothing to do where uncommitted writes leave no trace.
     */
    default void deleteAbandonedWrites() throws IOException {
    }

    /**
     * Writes and deletes a small object: a store that cannot be written (read-only, denied, full)
     * fails the job before any rendering rather than at its first checkpoint or at its very end.
     */
    default void probe() throws IOException {
        String key = ".framepack-probe-" + UUID.randomUUID();
        write(key, "write probe\n".getBytes(StandardCharsets.US_ASCII));
        delete(key);
    }

    default void write(String key, byte[] content) throws IOException {
        try (PendingObject pending = create(key)) {
            pending.stream().write(content);
            pending.commit();
        }
    }

    /** Stores the contents of a local file as an object, all or nothing like {@link #create}. */
    default void upload(String key, Path file) throws IOException {
        try (PendingObject pending = create(key)) {
            Files.copy(file, pending.stream());
            pending.commit();
        }
    }

    default Optional<byte[]> read(String key) throws IOException {
        Optional<InputStream> in = open(key);
        if (in.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream stream = in.get()) {
            return Optional.of(stream.readAllBytes());
        }
    }

    /** An object being written. */
    interface PendingObject extends AutoCloseable {
        OutputStream stream();

        /** Makes the object durable and visible under its key, atomically. */
        void commit() throws IOException;

        /** Discards the object unless it was committed. */
        @Override
        void close() throws IOException;
    }
}
