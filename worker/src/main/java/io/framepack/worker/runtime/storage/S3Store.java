package io.framepack.worker.runtime.storage;

import io.framepack.api.v1alpha1.S3Location;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Objects under a key prefix of an S3-compatible bucket (AWS, MinIO, Ceph). A PUT is atomic in
 * S3, so an object is staged in a local scratch file and uploaded in one request on commit:
 * readers never see a partial object.
 */
public final class S3Store implements ObjectStore, AutoCloseable {
    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final Path scratch;

    public S3Store(S3Client client, String bucket, String prefix, Path scratch) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = normalizePrefix(prefix);
        this.scratch = scratch;
    }

    /** A store for the location with credentials from the environment ({@link S3Credentials}). */
    public static S3Store connect(S3Location location, Path scratch) {
        return connect(location, S3Credentials.fromEnvironment(System.getenv()), scratch);
    }

    public static S3Store connect(S3Location location, AwsCredentialsProvider credentials, Path scratch) {
        if (location.bucket == null || location.bucket.isBlank()) {
            throw new IllegalArgumentException("S3 location has no bucket");
        }
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .credentialsProvider(credentials)
                .region(Region.of(location.region == null ? "us-east-1" : location.region))
                .forcePathStyle(Boolean.TRUE.equals(location.pathStyle))
                // S3-compatible servers (MinIO, Ceph, s3proxy) do not all accept the SDK's
                // default trailing checksums; integrity is checked by the worker's own hashes.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (location.endpoint != null && !location.endpoint.isBlank()) {
            builder.endpointOverride(URI.create(location.endpoint));
        }
        return new S3Store(builder.build(), location.bucket, location.prefix, scratch);
    }

    @Override
    public String location() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public String locate(String key) {
        return "s3://" + bucket + "/" + prefix + key;
    }

    @Override
    public PendingObject create(String key) throws IOException {
        Path staged;
        try {
            Files.createDirectories(scratch);
            staged = Files.createTempFile(scratch, "s3-upload-", ".part");
        } catch (IOException e) {
            throw new StorageException("cannot stage " + locate(key) + " in " + scratch + ": " + e.getMessage(), e);
        }
        return new PendingUpload(key, staged);
    }

    /** The file goes up as it is: no staged copy (a PUT is all or nothing anyway). */
    @Override
    public void upload(String key, Path file) throws IOException {
        try {
            client.putObject(b -> b.bucket(bucket).key(prefix + key), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("cannot write", key, e);
        }
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        try {
            return Optional.of(client.getObject(b -> b.bucket(bucket).key(prefix + key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("cannot read", key, e);
        }
    }

    @Override
    public List<String> list(String keyPrefix) throws IOException {
        try {
            return client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix)).contents().stream()
                    .map(S3Object::key)
                    // Folder markers some servers and consoles create are not objects.
                    .filter(key -> !key.endsWith("/"))
                    .map(key -> key.substring(prefix.length()))
                    .sorted()
                    .toList();
        } catch (SdkException e) {
            throw failure("cannot list", keyPrefix, e);
        }
    }

    @Override
    public Optional<Long> size(String key) throws IOException {
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(prefix + key));
            return Optional.of(head.contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("cannot stat", key, e);
        } catch (SdkException e) {
            throw failure("cannot stat", key, e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            client.deleteObject(b -> b.bucket(bucket).key(prefix + key));
        } catch (SdkException e) {
            throw failure("cannot delete", key, e);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private StorageException failure(String action, String key, SdkException e) {
        String detail = e instanceof S3Exception s3 && s3.awsErrorDetails() != null
                ? s3.awsErrorDetails().errorCode() + " (HTTP " + s3.statusCode() + "): " + s3.awsErrorDetails().errorMessage()
                : e.getMessage();
        // Denied (403: credentials, policy) or no such bucket: the same job would meet it again.
        boolean permanent = e instanceof S3Exception s3 && (s3.statusCode() == 403
                || s3.awsErrorDetails() != null && "NoSuchBucket".equals(s3.awsErrorDetails().errorCode()));
        return new StorageException(action + " " + locate(key) + ": " + detail, e, permanent);
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        String trimmed = prefix.startsWith("/") ? prefix.substring(1) : prefix;
        return trimmed.endsWith("/") ? trimmed : trimmed + "/";
    }

    private final class PendingUpload implements PendingObject {
        private final String key;
        private final Path staged;
        private final OutputStream stream;

        PendingUpload(String key, Path staged) throws IOException {
            this.key = key;
            this.staged = staged;
            this.stream = new LabelledOutputStream(new BufferedOutputStream(Files.newOutputStream(staged), 1 << 20),
                    e -> new StorageException("cannot stage " + locate(key) + " in " + staged + ": " + e.getMessage(), e));
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public void commit() throws IOException {
            stream.close();
            upload(key, staged);
        }

        @Override
        public void close() throws IOException {
            stream.close();
            Files.deleteIfExists(staged);
        }
    }
}
