package io.framepack.worker.runtime.checkpoint;

/** Anything that makes a stored checkpoint unusable: the store skips it in favour of the previous one. */
final class CorruptCheckpointException extends Exception {
    CorruptCheckpointException(String message) {
        super(message);
    }
}
