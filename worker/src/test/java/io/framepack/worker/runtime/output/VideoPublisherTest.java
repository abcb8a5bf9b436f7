package io.framepack.worker.runtime.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.DirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class VideoPublisherTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;
    @TempDir
    Path scratch;

    Path video(String content) throws IOException {
        return Files.writeString(scratch.resolve(content + ".mp4"), content);
    }

    ObjectNode sidecar() {
        return JSON.createObjectNode().put("prompt", "a cat");
    }

    @Test
    void publishesVideoAndSidecarUnderTheBaseName() throws IOException {
        VideoPublisher.Published published = new VideoPublisher(new DirectoryStore(out), "ns/a/1")
                .publish("sunset", video("first"), sidecar());

        assertThat(published.location()).isEqualTo(out.resolve("sunset.mp4").toString());
        assertThat(published.sizeBytes()).isEqualTo(5);
        assertThat(Files.readString(out.resolve("sunset.mp4"))).isEqualTo("first");
        assertThat(JSON.readTree(out.resolve("sunset.json").toFile()).get("jobId").asText()).isEqualTo("ns/a/1");
        assertThat(JSON.readTree(out.resolve("sunset.json").toFile()).get("prompt").asText()).isEqualTo("a cat");
    }

    @Test
    void sameJobReplacesItsOwnVideoAnotherJobNeverDoes() throws IOException {
        DirectoryStore store = new DirectoryStore(out);
        new VideoPublisher(store, "ns/a/1").publish("sunset", video("first"), sidecar());
        new VideoPublisher(store, "ns/a/1").publish("sunset", video("retried"), sidecar());
        VideoPublisher.Published other = new VideoPublisher(store, "ns/a/2").publish("sunset", video("other"), sidecar());

        assertThat(Files.readString(out.resolve("sunset.mp4"))).isEqualTo("retried");
        assertThat(other.location()).endsWith("sunset-2.mp4");
        assertThat(Files.readString(out.resolve("sunset-2.mp4"))).isEqualTo("other");
    }

    @Test
    void aVideoWithoutSidecarIsNotOverwritten() throws IOException {
        Files.writeString(out.resolve("sunset.mp4"), "someone's video");
        VideoPublisher.Published published = new VideoPublisher(new DirectoryStore(out), "ns/a/1")
                .publish("sunset", video("mine"), sidecar());

        assertThat(Files.readString(out.resolve("sunset.mp4"))).isEqualTo("someone's video");
        assertThat(published.location()).endsWith("sunset-2.mp4");
    }

    @Test
    void previewsGoNextToTheVideo() throws IOException {
        String location = new VideoPublisher(new DirectoryStore(out), "ns/a/1").publishPreview("sunset", 2, new byte[] {1, 2});
        assertThat(location).isEqualTo(out.resolve("sunset.preview-002.png").toString());
    }
}
