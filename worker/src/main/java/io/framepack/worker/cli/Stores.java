package io.framepack.worker.cli;

import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.checkpoint.SharedStores;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.runtime.storage.S3Store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/** Opens the stores a {@link WorkerJob} names. */
final class Stores {
    private static final Pattern SAFE_SEGMENT = Pattern.compile("(?!\\.\\.?$)[A-Za-z0-9._-]+");

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
        String prefix = storage.s3.prefix == null ? "" : storage.s3.prefix;
        return S3Store.connect(withPrefix(storage.s3, subPath.isEmpty() ? prefix
                : (prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/") + subPath), scratch);
    }

    /**
     * Other renders' checkpoint stores within {@code storage} (a re-roll's source and the renders
     * it shares blocks with), by location: a manifest naming anything else, or a path that climbs
     * out ({@code ..}), opens nothing.
     */
    static SharedStores sharedWithin(WorkerJob.Storage storage, Path scratch) {
        String root = open(storage, "checkpoint", "", scratch).location();
        String within = root.endsWith("/") ? root : root + "/";
        return location -> {
            if (!location.startsWith(within)) {
                return Optional.empty();
            }
            String subPath = location.substring(within.length());
            for (String segment : subPath.split("/")) {
                if (!SAFE_SEGMENT.matcher(segment).matches()) {
                    return Optional.empty();
                }
            }
            return Optional.of(open(storage, "checkpoint", subPath, scratch));
        };
    }

    /**
     * Local checkpoint directories: any absolute path that already holds shared blocks, so that a
     * manifest cannot make a re-roll write its hold anywhere else.
     */
    static SharedStores localCheckpointDirectories() {
        return location -> {
            Path root = Path.of(location);
            return root.isAbsolute() && Files.isDirectory(root.resolve("blocks")) ? Optional.of(new DirectoryStore(root))
                    : Optional.empty();
        };
    }

    /** The same bucket and endpoint with another key prefix. */
    static S3Location withPrefix(S3Location from, String prefix) {
        S3Location location = new S3Location();
        location.bucket = from.bucket;
        location.endpoint = from.endpoint;
        location.region = from.region;
        location.pathStyle = from.pathStyle;
        location.prefix = prefix;
        return location;
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
