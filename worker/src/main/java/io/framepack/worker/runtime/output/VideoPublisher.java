package io.framepack.worker.runtime.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Puts a job's finished video, its JSON sidecar and its section previews into the output store.
 * A name belongs to the job whose sidecar claims it: the sidecar is written before the video,
 * a name claimed by another job (or holding a video without a sidecar) is never overwritten,
 * and the job then gets {@code name-2}, {@code name-3}, ... Re-publishing the same job replaces
 * its own files, so a retried upload is harmless.
 */
public final class VideoPublisher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SUFFIX = 1000;

    private final ObjectStore store;
    private final String jobId;

    public VideoPublisher(ObjectStore store, String jobId) {
        this.store = store;
        this.jobId = jobId;
    }

    public String location() {
        return store.location();
    }

    /** Fails now if the store cannot be written ({@link ObjectStore#probe()}). */
    public void probe() throws IOException {
        store.probe();
    }

    /** {@code file}: the video's name within the output location, {@code location}: where that is. */
    public record Published(String file, String location, String sidecarLocation, long sizeBytes) {
    }

    /**
     * @param baseName name without extension, e.g. {@code sunset}
     * @param sidecar  the sidecar document; its {@code jobId} field is set here
     */
    public Published publish(String baseName, Path mp4, ObjectNode sidecar) throws IOException {
        String name = claimableName(baseName);
        sidecar.put("jobId", jobId);
        sidecar.put("video", name + ".mp4");
        store.write(name + ".json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(sidecar));
        store.upload(name + ".mp4", mp4);
        return new Published(name + ".mp4", store.locate(name + ".mp4"), store.locate(name + ".json"), Files.size(mp4));
    }

    /** The preview after {@code section} sections, next to where the video will be. */
    public String publishPreview(String baseName, int section, byte[] png) throws IOException {
        String key = String.format("%s.preview-%03d.png", claimableName(baseName), section);
        store.write(key, png);
        return store.locate(key);
    }

    private String claimableName(String baseName) throws IOException {
        for (int suffix = 1; suffix <= MAX_SUFFIX; suffix++) {
            String name = suffix == 1 ? baseName : baseName + "-" + suffix;
            Optional<String> owner = owner(name);
            boolean videoExists = store.size(name + ".mp4").isPresent();
            if (owner.map(jobId::equals).orElse(!videoExists)) {
                return name;
            }
        }
        throw new IOException("no free output name for " + store.locate(baseName) + " after " + MAX_SUFFIX + " tries");
    }

    /** The job that claimed the name, or empty if no sidecar (or an unreadable one) is there. */
    private Optional<String> owner(String name) throws IOException {
        Optional<byte[]> sidecar = store.read(name + ".json");
        if (sidecar.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode owner = JSON.readTree(sidecar.get()).get("jobId");
            // An unreadable sidecar still marks the name as someone's.
            return Optional.of(owner != null && owner.isTextual() ? owner.asText() : "<unknown>");
        } catch (IOException e) {
            return Optional.of("<unreadable sidecar>");
        }
    }
}
