package io.framepack.worker.runtime.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Writes checkpoints on a thread of their own while the next section renders: the render only
 * waits for its new frames to be copied out. One save is in flight at a time; its failure is
 * reported the moment it happens, and thrown by the next call that waits for it or asks
 * ({@link #checkFailed()}). Closing waits for the save in flight: a failure elsewhere must not
 * abandon a checkpoint that is almost written.
 */
public final class BackgroundSaves implements AutoCloseable {
    private final CheckpointStore store;
    private final Consumer<IOException> onFailed;
    private volatile IOException failure;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "checkpoint-writer");
        thread.setDaemon(true);
        return thread;
    });
    private CompletableFuture<CheckpointStore.Saved> inFlight = CompletableFuture.completedFuture(null);

    /** @param onFailed hears of a failed save from the writer thread, before anything waits for it */
    public BackgroundSaves(CheckpointStore store, Consumer<IOException> onFailed) {
        this.store = store;
        this.onFailed = onFailed;
    }

    /**
     * Waits for the save in flight, copies what {@code checkpoint} needs and starts writing it;
     * {@code onSaved} hears of it from the writer thread once the checkpoint is complete.
     */
    public void submit(Checkpoint checkpoint, Consumer<CheckpointStore.Saved> onSaved) throws IOException {
        await();
        CheckpointStore.PreparedSave prepared = store.prepare(checkpoint);
        inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                CheckpointStore.Saved saved = prepared.write();
                onSaved.accept(saved);
                return saved;
            } catch (IOException e) {
                failure = e;
                onFailed.accept(e);
                throw new UncheckedIOException(e);
            }
        }, writer);
    }

    /** Throws what made the save in flight fail, if it has failed; returns at once otherwise. */
    public void checkFailed() throws IOException {
        if (failure != null) {
            await();
        }
    }

    /** Waits until the save in flight, if any, is complete; throws what made it fail. */
    public void await() throws IOException {
        try {
            inFlight.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("checkpoint writer failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while a checkpoint was being written", e);
        } finally {
            inFlight = CompletableFuture.completedFuture(null);
            failure = null;
        }
    }

    /** Waits for the save in flight to end, then stops the writer; throws what made that save fail. */
    @Override
    public void close() throws IOException {
        try {
            await();
        } finally {
            writer.shutdown();
        }
    }
}
