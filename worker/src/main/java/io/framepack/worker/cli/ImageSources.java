package io.framepack.worker.cli;

import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.image.ImageDecoder;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.input.Mp4Frames;
import io.framepack.worker.runtime.storage.S3Store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * An image's bytes (the start image's, the end image's) from wherever the job says it is: a file, inline base64, S3, or a URL;
 * and those of the video a render extends, from the same sources but inline.
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
        return s3(image, "image", ImageDecoder.MAX_FILE_BYTES, scratch, deadline);
    }

    private static byte[] s3(WorkerJob.ImageInput source, String what, long maxBytes, Path scratch, Duration deadline)
            throws IOException {
        String where = what + " s3://" + source.s3.bucket + "/" + source.s3.prefix;
        return BoundedReads.withDeadline(where, deadline, () -> readS3(source, what, maxBytes, scratch));
    }

    private static byte[] readS3(WorkerJob.ImageInput source, String what, long maxBytes, Path scratch) throws IOException {
        String key = source.s3.prefix;
        // The location's prefix is the object's key: the store sits at the bucket's root.
        try (S3Store store = S3Store.connect(Stores.withPrefix(source.s3, ""), scratch)) {
            Optional<InputStream> object = store.open(key);
            if (object.isEmpty()) {
                throw new InvalidInputException(InvalidInputException.INPUT, what + " " + store.locate(key) + " does not exist");
            }
            try (InputStream in = object.get()) {
                return BoundedReads.atMost(in, maxBytes, what + " " + store.locate(key));
            }
        }
    }

    /**
     * The input video's bytes (a file, S3 or a URL: a video is never inline), read no further
     * than {@link Mp4Frames.Limits#DEFAULT}'s bytes.
     */
    static byte[] readVideo(WorkerJob.ImageInput video, Path scratch, ImageDownload download) throws IOException {
        int given = (video.file != null ? 1 : 0) + (video.s3 != null ? 1 : 0) + (video.url != null ? 1 : 0);
        if (given != 1 || video.inline != null) {
            throw new InvalidInputException(InvalidInputException.INPUT,
                    "the job must name exactly one video source (file, s3 or url; never inline), it names "
                            + (given + (video.inline != null ? 1 : 0)));
        }
        if (video.file != null) {
            return videoFile(Path.of(video.file));
        }
        if (video.s3 != null) {
            return s3(video, "video", Mp4Frames.Limits.DEFAULT.maxBytes(), scratch, S3_DEADLINE);
        }
        return download.get(video.url);
    }

    static byte[] videoFile(Path file) throws IOException {
        return BoundedReads.file(file, "video file", Mp4Frames.Limits.DEFAULT.maxBytes());
    }
}
