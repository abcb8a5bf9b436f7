package io.framepack.worker.runtime.cli;

import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.runtime.storage.S3Store;

import java.nio.file.Path;

/** Opens the stores a {@link WorkerJob} names. */
final class Stores {
    private Stores() {
    }

    /**
     * The store at {@code storage}, below {@code subPath} ('/'-separated, may be empty): a claim
     * or bucket may be shared by many jobs, their checkpoints must not meet.
     */
    static ObjectStore open(WorkerJob.Storage storage, String what, String subPath, Path scratch) {
        if (storage == null || (storage.directory == null) == (storage.s3 == null)) {
            throw new InvalidInputException(InvalidInputException.INPUT,
                    "the job must give exactly one of directory or s3 for the " + what + " storage");
        }
        if (storage.directory != null) {
            Path root = Path.of(storage.directory);
            return new DirectoryStore(subPath.isEmpty() ? root : root.resolve(subPath));
        }
        S3Location location = new S3Location();
        location.bucket = storage.s3.bucket;
        location.endpoint = storage.s3.endpoint;
        location.region = storage.s3.region;
        location.pathStyle = storage.s3.pathStyle;
        String prefix = storage.s3.prefix == null ? "" : storage.s3.prefix;
        location.prefix = subPath.isEmpty() ? prefix
                : (prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/") + subPath;
        return S3Store.connect(location, scratch);
    }

    /** A job id ({@code namespace/name/uid}) as a key path whose segments are safe everywhere. */
    static String keyPath(String jobId) {
        StringBuilder path = new StringBuilder();
        for (String segment : jobId.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (!path.isEmpty()) {
                path.append('/');
            }
            path.append(segment.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_"));
        }
        return path.toString();
    }
}
