package io.framepack.worker.runtime.checkpoint;

/** The newest usable checkpoint belongs to another spec or model: resuming it would be wrong, restarting would discard it. */
public class CheckpointMismatchException extends RuntimeException {
    public CheckpointMismatchException(String message) {
        super(message);
    }
}
