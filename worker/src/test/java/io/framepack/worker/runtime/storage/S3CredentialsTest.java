package io.framepack.worker.runtime.storage;

import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.worker.WorkerContract;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which credentials sign the worker's S3 requests, against a real S3 protocol server (s3proxy) that
 * requires signed requests. The SDK's default chain stands for the node's instance role: it reads the
 * {@code aws.accessKeyId} system properties first, which the tests set to working keys.
 */
class S3CredentialsTest {
    @RegisterExtension
    static final S3ProxyExtension S3 = S3ProxyExtension.builder()
            .withCredentials(AuthenticationType.AWS_V2_OR_V4, "access", "secret")
            .build();

    @TempDir
    Path scratch;

    @BeforeEach
    void theNodeHasAWorkingRole() {
        System.setProperty("aws.accessKeyId", "access");
        System.setProperty("aws.secretAccessKey", "secret");
        try (S3Client admin = S3Client.builder().endpointOverride(S3.getUri()).forcePathStyle(true).region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(S3Credentials.fromEnvironment(Map.of())).build()) {
            admin.createBucket(b -> b.bucket("renders"));
        }
    }

    @AfterEach
    void clearTheRole() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void withoutANamedSecretTheClusterWorkerDoesNotFallBackToTheNodesRole() {
        AwsCredentialsProvider credentials = S3Credentials.fromEnvironment(
                Map.of(WorkerContract.ENV_S3_AMBIENT_CREDENTIALS, "false"));
        try (S3Store store = store(credentials)) {
            assertThatThrownBy(() -> store.write("video.mp4", "frames".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(StorageException.class);
        }
    }

    @Test
    void theNamedSecretsKeysAreUsedAndAmbientCredentialsOnlyWhereAllowed() throws IOException {
        Map<String, String> secret = Map.of(WorkerContract.ENV_S3_ACCESS_KEY, "access", WorkerContract.ENV_S3_SECRET_KEY, "secret",
                WorkerContract.ENV_S3_AMBIENT_CREDENTIALS, "false");
        System.clearProperty("aws.accessKeyId");
        try (S3Store store = store(S3Credentials.fromEnvironment(secret))) {
            store.write("a.txt", "from the secret".getBytes(StandardCharsets.UTF_8));
        }
        System.setProperty("aws.accessKeyId", "access");
        try (S3Store store = store(S3Credentials.fromEnvironment(Map.of(WorkerContract.ENV_S3_AMBIENT_CREDENTIALS, "true")))) {
            store.write("b.txt", "from the role".getBytes(StandardCharsets.UTF_8));
            assertThat(store.list("")).containsExactly("a.txt", "b.txt");
        }
    }

    private S3Store store(AwsCredentialsProvider credentials) {
        S3Location location = new S3Location();
        location.bucket = "renders";
        location.endpoint = S3.getUri().toString();
        location.pathStyle = true;
        return S3Store.connect(location, credentials, scratch);
    }
}
