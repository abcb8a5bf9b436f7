package io.framepack.worker.runtime.cli;

import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.storage.S3Store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/** The start image's bytes from wherever the job says it is: a file, inline base64, S3, or a URL. */
final class ImageSources {
    private ImageSources() {
    }

    static byte[] read(WorkerJob.ImageInput image, Path scratch) throws IOException {
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
            return s3(image, scratch);
        }
        return url(image.url);
    }

    static byte[] file(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, "image file " + file + " does not exist");
        }
    }

    private static byte[] s3(WorkerJob.ImageInput image, Path scratch) throws IOException {
        String key = image.s3.prefix;
        // The location's prefix is the image's key: the store sits at the bucket's root.
        try (S3Store store = S3Store.connect(Stores.withPrefix(image.s3, ""), scratch)) {
            Optional<byte[]> bytes = store.read(key);
            return bytes.orElseThrow(() -> new InvalidInputException(InvalidInputException.INPUT,
                    "image " + store.locate(key) + " does not exist"));
        }
    }

    private static byte[] url(String url) throws IOException {
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() == 404 || response.statusCode() == 410) {
                    throw new InvalidInputException(InvalidInputException.INPUT,
                            "image " + url + " does not exist (HTTP " + response.statusCode() + ")");
                }
                if (response.statusCode() != 200) {
                    throw new IOException("cannot download image " + url + ": HTTP " + response.statusCode());
                }
                return body.readAllBytes();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + url, e);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, "image URL " + url + " is invalid: " + e.getMessage());
        }
    }
}
