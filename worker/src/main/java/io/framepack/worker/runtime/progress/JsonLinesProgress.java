package io.framepack.worker.runtime.progress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.time.Instant;

/**
 * One JSON object per line and event, for scripts: {@code {"event":"step","time":"...","section":0,...}}.
 * The fields are those of the event records.
 */
public final class JsonLinesProgress implements ProgressListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;

    public JsonLinesProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void on(ProgressEvent event) {
        ObjectNode line = JSON.createObjectNode();
        line.put("event", event.name());
        line.put("time", Instant.now().toString());
        line.setAll((ObjectNode) JSON.valueToTree(event));
        try {
            String text = JSON.writeValueAsString(line);
            synchronized (out) {
                out.println(text);
                out.flush();
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("progress events are plain records", e);
        }
    }
}
