package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in an {@link ObjectStore}, format version {@value #FORMAT_VERSION}. Each checkpoint
 * is a group of objects {@code ckpt-<section>-<nonce>/}: one raw little-endian file per tensor
 * and {@code manifest.json}, written last, holding the identity, the scalars and every tensor's
 * type, shape, size and SHA-256. A checkpoint without its manifest was interrupted and is
 * ignored; the nonce keeps a retried write from touching the objects of an earlier one, so every
 * object is immutable once written (as S3 prefers it).
 */
public final class CheckpointStore {
    public static final int FORMAT_VERSION = 1;
    static final String FORMAT = "framepack-checkpoint";
    static final String MANIFEST = "manifest.json";
    private static final Pattern GROUP = Pattern.compile("ckpt-(\\d{6})-([0-9a-f]{8})/");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;
    private final int keep;

    /** @param keep number of complete checkpoints kept (older ones are deleted after a newer one is complete) */
    public CheckpointStore(ObjectStore store, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keepCheckpoints must be at least 1, got " + keep);
        }
        this.store = store;
        this.keep = keep;
    }

    public String location() {
        return store.location();
    }

    /** What a save cost, for progress and measurements. */
    public record Saved(String location, int sectionsCompleted, long bytes, double seconds) {
    }

    /** Writes the checkpoint (tensors first, manifest last), then deletes checkpoints beyond the newest {@code keep}. */
    public Saved save(Checkpoint checkpoint) throws IOException {
        long started = System.nanoTime();
        String group = String.format("ckpt-%06d-%s/", checkpoint.sectionsCompleted(),
                UUID.randomUUID().toString().substring(0, 8));
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("version", FORMAT_VERSION);
        manifest.put("jobId", checkpoint.identity().jobId());
        manifest.put("specHash", checkpoint.identity().specHash());
        manifest.put("modelId", checkpoint.identity().modelId());
        manifest.put("sectionsCompleted", checkpoint.sectionsCompleted());
        manifest.put("createdAt", Instant.now().toString());
        manifest.set("state", checkpoint.state());
        ArrayNode tensors = manifest.putArray("tensors");
        long bytes = 0;
        for (Map.Entry<String, StoredTensor> entry : checkpoint.tensors().entrySet()) {
            String file = entry.getKey() + ".bin";
            StoredTensor tensor = entry.getValue();
            String sha256 = writeTensor(group + file, tensor);
            ObjectNode described = tensors.addObject();
            described.put("name", entry.getKey());
            described.put("file", file);
            described.put("dtype", tensor.dtype().name());
            ArrayNode shape = described.putArray("shape");
            for (long dim : tensor.shape()) {
                shape.add(dim);
            }
            described.put("bytes", tensor.byteSize());
            described.put("sha256", sha256);
            bytes += tensor.byteSize();
        }
        byte[] manifestBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
        store.write(group + MANIFEST, manifestBytes);
        bytes += manifestBytes.length;
        prune();
        return new Saved(store.locate(group), checkpoint.sectionsCompleted(), bytes,
                (System.nanoTime() - started) / 1e9);
    }

    /**
     * The newest checkpoint that verifies. Corrupt, truncated or unreadable ones are reported to
     * {@code warnings} and skipped in favour of the previous one.
     *
     * @throws CheckpointMismatchException when the newest intact checkpoint belongs to another
     *                                     spec or model: it is neither resumed nor discarded
     */
    public Optional<Checkpoint> loadLatest(CheckpointIdentity expected, Consumer<String> warnings) throws IOException {
        for (String group : completeGroupsNewestFirst()) {
            Checkpoint checkpoint;
            try {
                checkpoint = load(group);
            } catch (CorruptCheckpointException e) {
                warnings.accept("skipping checkpoint " + store.locate(group) + ": " + e.getMessage());
                continue;
            }
            String mismatch = expected.mismatch(checkpoint.identity());
            if (mismatch != null) {
                throw new CheckpointMismatchException("refusing to resume from checkpoint " + store.locate(group)
                        + ": " + mismatch + ". Use another checkpoint location or delete that one to start over.");
            }
            return Optional.of(checkpoint);
        }
        return Optional.empty();
    }

    /** Thrown inside {@link #load} for anything that makes a checkpoint unusable. */
    static final class CorruptCheckpointException extends Exception {
        CorruptCheckpointException(String message) {
            super(message);
        }
    }

    Checkpoint load(String group) throws IOException, CorruptCheckpointException {
        JsonNode manifest;
        try {
            byte[] bytes = store.read(group + MANIFEST)
                    .orElseThrow(() -> new CorruptCheckpointException("manifest disappeared"));
            manifest = JSON.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CorruptCheckpointException("manifest is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (manifest == null || !FORMAT.equals(manifest.path("format").asText())) {
            throw new CorruptCheckpointException("manifest is not a " + FORMAT + " manifest");
        }
        int version = manifest.path("version").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new CorruptCheckpointException("format version " + version + " (this worker reads version "
                    + FORMAT_VERSION + ")");
        }
        CheckpointIdentity identity = new CheckpointIdentity(text(manifest, "jobId"), text(manifest, "specHash"),
                text(manifest, "modelId"));
        int sections = manifest.path("sectionsCompleted").asInt(-1);
        if (sections < 0 || !manifest.path("state").isObject() || !manifest.path("tensors").isArray()) {
            throw new CorruptCheckpointException("manifest lacks sectionsCompleted, state or tensors");
        }
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (JsonNode described : manifest.get("tensors")) {
            String name = text(described, "name");
            tensors.put(name, readTensor(group, described));
        }
        return new Checkpoint(identity, sections, (ObjectNode) manifest.get("state"), tensors);
    }

    private StoredTensor readTensor(String group, JsonNode described) throws IOException, CorruptCheckpointException {
        String file = text(described, "file");
        if (file.contains("/")) {
            throw new CorruptCheckpointException("tensor file name '" + file + "' is not plain");
        }
        long declared = described.path("bytes").asLong(-1);
        DataType dtype;
        long[] shape = new long[described.path("shape").size()];
        try {
            dtype = DataType.valueOf(text(described, "dtype"));
            for (int i = 0; i < shape.length; i++) {
                shape[i] = described.get("shape").get(i).asLong();
            }
            if (StoredTensor.elementCount(shape) * dtype.getNumOfBytes() != declared) {
                throw new CorruptCheckpointException(file + ": shape and type do not match its size");
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CorruptCheckpointException(file + ": " + e.getMessage());
        }
        if (declared > Integer.MAX_VALUE) {
            throw new CorruptCheckpointException(file + ": " + declared + " bytes exceed one buffer");
        }
        Optional<InputStream> opened = store.open(group + file);
        if (opened.isEmpty()) {
            throw new CorruptCheckpointException(file + " is missing");
        }
        ByteBuffer data = ByteBuffer.allocate((int) declared).order(ByteOrder.LITTLE_ENDIAN);
        MessageDigest digest = sha256();
        try (InputStream in = opened.get()) {
            byte[] chunk = new byte[1 << 20];
            int read;
            while ((read = in.read(chunk)) > 0) {
                if (read > data.remaining()) {
                    throw new CorruptCheckpointException(file + " is longer than its declared " + declared + " bytes");
                }
                data.put(chunk, 0, read);
                digest.update(chunk, 0, read);
            }
        }
        if (data.hasRemaining()) {
            throw new CorruptCheckpointException(file + " is truncated (" + data.position() + " of " + declared + " bytes)");
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(text(described, "sha256"))) {
            throw new CorruptCheckpointException(file + " fails its SHA-256 check");
        }
        return new StoredTensor(dtype, shape, data.flip());
    }

    private String writeTensor(String key, StoredTensor tensor) throws IOException {
        MessageDigest digest = sha256();
        try (ObjectStore.PendingObject pending = store.create(key)) {
            OutputStream hashed = new DigestOutputStream(pending.stream(), digest);
            WritableByteChannel channel = Channels.newChannel(hashed);
            ByteBuffer data = tensor.data().duplicate();
            while (data.hasRemaining()) {
                channel.write(data);
            }
            hashed.flush();
            pending.commit();
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Group prefixes that have a manifest, newest (most sections, then latest write) first. */
    private List<String> completeGroupsNewestFirst() throws IOException {
        List<String> keys = store.list("ckpt-");
        List<String> groups = new ArrayList<>();
        for (String key : keys) {
            Matcher matcher = GROUP.matcher(key);
            if (matcher.lookingAt() && key.equals(matcher.group() + MANIFEST)) {
                groups.add(matcher.group());
            }
        }
        groups.sort(Comparator.comparingInt(CheckpointStore::section).reversed());
        return groups;
    }

    /**
     * Deletes complete checkpoints beyond the newest {@code keep}, and the leftovers of
     * interrupted writes. A manifest goes first so that a checkpoint is never half-deleted yet
     * still looks complete.
     */
    private void prune() throws IOException {
        List<String> complete = completeGroupsNewestFirst();
        List<String> doomed = new ArrayList<>(complete.subList(Math.min(keep, complete.size()), complete.size()));
        int oldestKeptSection = complete.isEmpty() ? 0 : section(complete.get(Math.min(keep, complete.size()) - 1));
        List<String> keys = store.list("ckpt-");
        for (String key : keys) {
            Matcher matcher = GROUP.matcher(key);
            if (matcher.lookingAt() && !complete.contains(matcher.group()) && !doomed.contains(matcher.group())
                    && section(matcher.group()) < oldestKeptSection) {
                doomed.add(matcher.group());
            }
        }
        for (String group : doomed) {
            store.delete(group + MANIFEST);
            for (String key : keys) {
                if (key.startsWith(group) && !key.equals(group + MANIFEST)) {
                    store.delete(key);
                }
            }
        }
    }

    private static int section(String group) {
        Matcher matcher = GROUP.matcher(group);
        if (!matcher.lookingAt()) {
            throw new IllegalArgumentException(group);
        }
        return Integer.parseInt(matcher.group(1));
    }

    private static String text(JsonNode node, String field) throws CorruptCheckpointException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new CorruptCheckpointException("manifest lacks '" + field + "'");
        }
        return value.asText();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
