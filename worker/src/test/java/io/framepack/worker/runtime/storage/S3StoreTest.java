package io.framepack.worker.runtime.storage;

import io.framepack.api.v1alpha1.S3Location;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointFixtures;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.checkpoint.FrameTensor;
import io.framepack.worker.runtime.checkpoint.SharedStores;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real S3 protocol server (s3proxy, in-process), through the AWS SDK the worker ships with. */
class S3StoreTest {
    @RegisterExtension
    static final S3ProxyExtension S3 = S3ProxyExtension.builder()
            .withCredentials(AuthenticationType.AWS_V2_OR_V4, "access", "secret")
            .build();

    @TempDir
    Path scratch;
    S3Store store;

    static S3Location location(String bucket, String prefix) {
        S3Location location = new S3Location();
        location.bucket = bucket;
        location.prefix = prefix;
        location.endpoint = S3.getUri().toString();
        location.pathStyle = true;
        return location;
    }

    static S3Store connect(S3Location location, String accessKey, Path scratch) {
        return S3Store.connect(location, StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, "secret")),
                scratch);
    }

    @BeforeEach
    void createBucket() {
        store = connect(location("renders", "team/job-1"), "access", scratch);
        try (S3Client client = S3Client.builder()
                .endpointOverride(S3.getUri()).forcePathStyle(true)
                .region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.builder().build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret")))
                .build()) {
            client.createBucket(b -> b.bucket("renders"));
        }
    }

    @Test
    void objectsRoundTripUnderThePrefix() throws IOException {
        store.write("a/one.txt", "first".getBytes(StandardCharsets.UTF_8));
        store.write("a/two.txt", "second".getBytes(StandardCharsets.UTF_8));
        store.write("b.txt", "third".getBytes(StandardCharsets.UTF_8));

        assertThat(store.list("a/")).containsExactly("a/one.txt", "a/two.txt");
        assertThat(new String(store.read("a/two.txt").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("second");
        assertThat(store.size("b.txt")).contains(5L);
        assertThat(store.read("missing")).isEmpty();
        assertThat(store.size("missing")).isEmpty();
        assertThat(store.locate("b.txt")).isEqualTo("s3://renders/team/job-1/b.txt");

        store.delete("a/one.txt");
        assertThat(store.list("")).containsExactly("a/two.txt", "b.txt");
        assertThat(stagedFiles()).isEmpty();
    }

    @Test
    void uncommittedObjectIsNeverVisible() throws IOException {
        try (ObjectStore.PendingObject pending = store.create("video.mp4")) {
            pending.stream().write(new byte[4096]);
        }
        assertThat(store.list("")).isEmpty();
        assertThat(stagedFiles()).isEmpty();
    }

    @Test
    void checkpointsSaveAndVerifyOnS3() throws IOException {
        CheckpointIdentity job = new CheckpointIdentity("ns/v/1", "spec", "model");
        CheckpointStore checkpoints = new CheckpointStore(store, 2);
        for (int section = 1; section <= 3; section++) {
            checkpoints.save(CheckpointFixtures.checkpoint(job, section));
        }
        List<String> warnings = new ArrayList<>();
        assertThat(checkpoints.loadLatest(job, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(3);
        assertThat(store.list("").stream().filter(k -> k.endsWith("manifest.json"))).hasSize(2);

        // Corrupt the newest object in place: the previous checkpoint is used.
        String newest = store.list("ckpt-000003").stream().filter(k -> k.endsWith("history_latents.bin")).findFirst().orElseThrow();
        store.write(newest, new byte[10]);

        assertThat(checkpoints.loadLatest(job, warnings::add).orElseThrow().sectionsCompleted()).isEqualTo(2);
        assertThat(warnings).singleElement().asString().contains("s3://renders/team/job-1/ckpt-000003-");
    }

    @Test
    void aGrowingVideoSharesItsSettledBlocksOnS3() throws IOException {
        CheckpointIdentity job = new CheckpointIdentity("ns/v/1", "spec", "model");
        CheckpointStore checkpoints = new CheckpointStore(store, 2);
        for (int section = 1; section <= 5; section++) {
            checkpoints.save(CheckpointFixtures.growingVideo(job, section, FrameTensor.SettledEnd.END));
        }
        List<String> warnings = new ArrayList<>();
        Checkpoint loaded = new CheckpointStore(store, 2).loadLatest(job, warnings::add).orElseThrow();

        assertThat(CheckpointFixtures.whole(loaded.tensors().get("video")).data())
                .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.video(5, FrameTensor.SettledEnd.END)).data());
        int settled = 5 * CheckpointFixtures.VIDEO_GROWTH - CheckpointFixtures.VIDEO_CHANGING;
        assertThat(store.list("blocks/")).hasSize(CheckpointFixtures.blocksOf(settled));
        assertThat(warnings).isEmpty();
        assertThat(stagedFiles()).isEmpty();
    }

    /** A re-roll on S3: its manifests reference the source's blocks under the source's prefix, and the source keeps them. */
    @Test
    void aRerollSharesTheSourcesBlocksOnS3() throws IOException {
        S3Store sourceStore = connect(location("renders", "team/ns/a"), "access", scratch);
        S3Store rerollStore = connect(location("renders", "team/ns/b"), "access", scratch);
        SharedStores inTeam = location -> location.startsWith("s3://renders/team/")
                ? Optional.of(connect(location("renders", location.substring("s3://renders/".length())), "access", scratch))
                : Optional.empty();
        CheckpointIdentity source = new CheckpointIdentity("ns/a/1", "spec-a", "model");
        CheckpointIdentity reroll = new CheckpointIdentity("ns/b/1", "spec-b", "model");
        CheckpointStore a = new CheckpointStore(sourceStore, 4);
        for (int section = 1; section <= 3; section++) {
            a.save(CheckpointFixtures.growingVideo(source, section, FrameTensor.SettledEnd.END));
        }
        List<String> blocksOfA = sourceStore.list("blocks/");

        CheckpointStore.Reroll fromA = new CheckpointStore.Reroll(sourceStore, 3, inTeam);
        CheckpointStore b = new CheckpointStore(rerollStore, 2, fromA);
        b.loadRerollStart("model").orElseThrow();
        b.save(CheckpointFixtures.growingVideo(reroll, 4, FrameTensor.SettledEnd.END));
        new CheckpointStore(sourceStore, 1).save(CheckpointFixtures.growingVideo(source, 4, FrameTensor.SettledEnd.END));

        assertThat(sourceStore.list("blocks/")).containsAll(blocksOfA);
        assertThat(sourceStore.list("holds/")).hasSize(1);
        int settledAtThree = 3 * CheckpointFixtures.VIDEO_GROWTH - CheckpointFixtures.VIDEO_CHANGING;
        int settledAtFour = 4 * CheckpointFixtures.VIDEO_GROWTH - CheckpointFixtures.VIDEO_CHANGING;
        assertThat(rerollStore.list("blocks/"))
                .hasSize(CheckpointFixtures.blocksOf(settledAtFour) - CheckpointFixtures.blocksOf(settledAtThree));
        List<String> warnings = new ArrayList<>();
        Checkpoint loaded = new CheckpointStore(rerollStore, 2, fromA).loadLatest(reroll, warnings::add).orElseThrow();
        assertThat(CheckpointFixtures.whole(loaded.tensors().get("video")).data())
                .isEqualTo(CheckpointFixtures.whole(CheckpointFixtures.video(4, FrameTensor.SettledEnd.END)).data());
        assertThat(warnings).isEmpty();
    }

    @Test
    void missingBucketIsAClearError() {
        S3Store nowhere = connect(location("no-such-bucket", ""), "access", scratch);
        assertThatThrownBy(() -> nowhere.write("x", new byte[1]))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("cannot write s3://no-such-bucket/x: NoSuchBucket (HTTP 404)")
                .matches(e -> ((StorageException) e).permanent(), "a retry cannot help");
        assertThatThrownBy(() -> nowhere.list(""))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("NoSuchBucket");
    }

    @Test
    void wrongCredentialsAreAClearError() {
        S3Store denied = connect(location("renders", ""), "intruder", scratch);
        assertThatThrownBy(() -> denied.write("x", new byte[1]))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("cannot write s3://renders/x: InvalidAccessKeyId (HTTP 403)")
                .matches(e -> ((StorageException) e).permanent(), "a retry cannot help");
        assertThat(stagedFiles()).isEmpty();
    }

    @Test
    void unreachableEndpointIsAClearError() {
        S3Location closed = location("renders", "");
        closed.endpoint = "http://127.0.0.1:9";
        S3Store unreachable = connect(closed, "access", scratch);
        assertThatThrownBy(() -> unreachable.list(""))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("cannot list s3://renders/: ")
                .matches(e -> !((StorageException) e).permanent(), "a retry may help");
    }

    private List<Path> stagedFiles() {
        try (Stream<Path> files = Files.list(scratch)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
