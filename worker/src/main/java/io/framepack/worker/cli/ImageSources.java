package io.framepack.worker.cli;

import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.image.ImageDecoder;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.storage.S3Store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * An image's bytes (the start image's, the end image's) from wherever the job says it is: a file, inline base64, S3, or a URL.
 * No source is read past {@link ImageDecoder#MAX_FILE_BYTES}: not a huge file, a device, an
 * endless object or response.
 */
final class ImageSources {
    /** How long an S3 image may take in all, as a URL download: the SDK's timeouts bound each read, not the body. */
    static final Duration S3_DEADLINE = Duration.ofMinutes(5);

    private ImageSources() {
    }

    static byte[] read(WorkerJob.ImageInput image, Path scratch, ImageDownload download) throws IOException {
        int given = (image.file != null ? 1 : 0) + (image.inline != null ? 1 : 0) + (image.s3 != null ? 1 : 0)
                + (image.url != null ? 1 : 0);
        if (given != 1) {
            throw new InvalidInputException(InvalidInputException.INPUT,
                    "the job must name exactly one image source (file, inline, s3 or url), it names " + given);
        }
        if (image.file != null) {
            return file(Path.of(image.file));
        }
        if (image.inline != null) {
            try {
                return Base64.getMimeDecoder().decode(image.inline);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(InvalidInputException.INPUT, "inline image is not base64: " + e.getMessage());
            }
        }
        if (image.s3 != null) {
            return s3(image, scratch, S3_DEADLINE);
        }
        return download.get(image.url);
    }

    /**
     * The end image's bytes, read as the start image's; an invalid one says that it is the end image
     * (a failed read keeps its own exception, which names the file, object or URL).
     */
    static byte[] readEndImage(WorkerJob.ImageInput image, Path scratch, ImageDownload download) throws IOException {
        try {
            return read(image, scratch, download);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.reason(), "end image: " + e.getMessage(), e);
        }
    }

    static byte[] file(Path file) throws IOException {
        return BoundedReads.file(file, "image file", ImageDecoder.MAX_FILE_BYTES);
    }

    static byte[] s3(WorkerJob.ImageInput image, Path scratch, Duration deadline) throws IOException {
        String where = "image s3://" + image.s3.bucket + "/" + image.s3.prefix;
        return BoundedReads.withDeadline(where, deadline, () -> readS3(image, scratch));
    }

    private static byte[] readS3(WorkerJob.ImageInput image, Path scratch) throws IOException {
        String key = image.s3.prefix;
        // The location's prefix is the image's key: the store sits at the bucket's root.
        try (S3Store store = S3Store.connect(Stores.withPrefix(image.s3, ""), scratch)) {
            Optional<InputStream> object = store.open(key);
            if (object.isEmpty()) {
                throw new InvalidInputException(InvalidInputException.INPUT, "image " + store.locate(key) + " does not exist");
            }
            try (InputStream in = object.get()) {
                return BoundedReads.atMost(in, ImageDecoder.MAX_FILE_BYTES, "image " + store.locate(key));
            }
        }
    }
}
