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
 * thrown by the next call that waits for it.
 */
public final class BackgroundSaves implements AutoCloseable {
    private final CheckpointStore store;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "checkpoint-writer");
        thread.setDaemon(true);
        return thread;
    });
    private CompletableFuture<CheckpointStore.Saved> inFlight = CompletableFuture.completedFuture(null);

    public BackgroundSaves(CheckpointStore store) {
        this.store = store;
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
                throw new UncheckedIOException(e);
            }
        }, writer);
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
        }
    }

    @Override
    public void close() {
        writer.shutdown();
    }
}
