package io.framepack.worker.runtime.storage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A storage operation failed; the message names the location and what was being done. A
 * {@link #permanent()} failure is one a retry of the same job cannot get past (a read-only
 * volume, denied access, no such bucket), unlike a full disk or a network error.
 */
public class StorageException extends IOException {
    /** What the OS says (strerror) for errors no retry fixes: EROFS, EACCES, EPERM. */
    private static final Set<String> PERMANENT_REASONS = Set.of("Read-only file system", "Permission denied",
            "Operation not permitted");

    private final boolean permanent;

    public StorageException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public StorageException(String message, Throwable cause, boolean permanent) {
        super(message, cause);
        this.permanent = permanent;
    }

    /** A failed file operation: "{@code action} {@code file}: reason", the reason as the OS gave it. */
    public static StorageException of(String action, Path file, IOException cause) {
        if (cause instanceof StorageException labelled) {
            return labelled;
        }
        String reason = cause instanceof FileSystemException fs && fs.getReason() != null
                ? fs.getReason() : String.valueOf(cause.getMessage());
        boolean permanent = cause instanceof AccessDeniedException || PERMANENT_REASONS.contains(reason);
        return new StorageException(action + " " + file + ": " + reason, cause, permanent);
    }

    public boolean permanent() {
        return permanent;
    }
}
