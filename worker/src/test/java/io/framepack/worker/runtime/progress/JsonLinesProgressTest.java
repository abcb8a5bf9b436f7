package io.framepack.worker.runtime.progress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLinesProgressTest {
    @Test
    void oneObjectPerLineWithTheEventNameAndFields() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonLinesProgress progress = new JsonLinesProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        progress.on(new ProgressEvent.Step(1, 4, 25));
        progress.on(new ProgressEvent.CheckpointSaved(2, "/c/ckpt-000002-0/", 10, 4, 0.5));
        progress.on(new ProgressEvent.Failed("InvalidInput", "image \"x.png\" is not an image", 65));

        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        JsonNode step = json.readTree(lines[0]);
        assertThat(step.get("event").asText()).isEqualTo("step");
        assertThat(step.get("section").asInt()).isEqualTo(1);
        assertThat(step.get("step").asInt()).isEqualTo(4);
        assertThat(step.get("steps").asInt()).isEqualTo(25);
        assertThat(step.get("time").asText()).matches("\\d{4}-.*Z");
        JsonNode checkpoint = json.readTree(lines[1]);
        assertThat(checkpoint.get("sectionsCompleted").asInt()).isEqualTo(2);
        assertThat(checkpoint.get("bytes").asLong()).isEqualTo(10);
        assertThat(checkpoint.get("bytesWritten").asLong()).isEqualTo(4);
        assertThat(json.readTree(lines[2]).get("event").asText()).isEqualTo("error");
        assertThat(json.readTree(lines[2]).get("message").asText()).isEqualTo("image \"x.png\" is not an image");
        assertThat(json.readTree(lines[2]).get("exitCode").asInt()).isEqualTo(65);
    }
}
