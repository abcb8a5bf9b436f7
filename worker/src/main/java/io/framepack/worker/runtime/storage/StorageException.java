package io.framepack.worker.runtime.storage;

import java.io.IOException;

/** A storage operation failed; the message names the location and what was being done. */
public class StorageException extends IOException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
