package io.framepack.worker.runtime.storage;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/** A storage operation failed; the message names the location and what was being done. */
public class StorageException extends IOException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failed file operation: "{@code action} {@code file}: reason", the reason as the OS gave it. */
    public static StorageException of(String action, Path file, IOException cause) {
        String reason = cause instanceof FileSystemException fs && fs.getReason() != null
                ? fs.getReason() : String.valueOf(cause.getMessage());
        return new StorageException(action + " " + file + ": " + reason, cause);
    }
}
