package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.tensor.Sha256;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's {@code manifest.json}, format version {@value #FORMAT_VERSION}: the identity, the
 * sections completed, the render's settings, the section times and every tensor as its list of
 * parts (a shared block in another render's store, as a re-roll's are, names that store), sealed by the manifest's own SHA-256 over all of that, so that a resume trusts its
 * scalars as much as its tensors. Earlier versions are read through {@link LegacyManifests}.
 */
final class ManifestCodec {
    static final int FORMAT_VERSION = 6;
    /**
     * Version 6 holds the pixel history as {@code open_pixels} and 8-bit {@code settled_pixels}
     * where earlier ones held all of it as {@code history_pixels} (a restore still takes either);
     * version 5 added parts shared from another render's store ({@code store}); versions 4 and 5 read as they are.
     */
    private static final int OLDEST_CURRENT_SHAPE = 4;
    static final int OLDEST_READABLE_VERSION = 1;
    static final int FIRST_SEALED_VERSION = 3;
    static final String FORMAT = "framepack-checkpoint";
    /** The manifest's own SHA-256, over its compact JSON without this field. */
    static final String MANIFEST_SHA256 = "manifestSha256";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestCodec() {
    }

    /** The manifest's bytes; part keys inside {@code group} are written relative to it. */
    static byte[] encode(Manifest manifest, String group) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("format", FORMAT);
        json.put("version", FORMAT_VERSION);
        json.put("jobId", manifest.identity().jobId());
        json.put("specHash", manifest.identity().specHash());
        json.put("modelId", manifest.identity().modelId());
        json.put("sectionsCompleted", manifest.sectionsCompleted());
        json.put("createdAt", Instant.now().toString());
        ObjectNode settings = json.putObject("settings");
        manifest.settings().forEach(settings::put);
        ArrayNode seconds = json.putArray("sectionSeconds");
        manifest.sectionSeconds().forEach(seconds::add);
        ArrayNode tensors = json.putArray("tensors");
        for (Manifest.TensorParts tensor : manifest.tensors()) {
            describe(tensors.addObject(), tensor, group);
        }
        json.put(MANIFEST_SHA256, sha256(json));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
    }

    private static void describe(ObjectNode described, Manifest.TensorParts tensor, String group) {
        described.put("name", tensor.name());
        described.put("dtype", tensor.dtype().name());
        ArrayNode shape = described.putArray("shape");
        for (long dim : tensor.shape()) {
            shape.add(dim);
        }
        described.put("bytes", StoredTensor.byteSize(tensor.dtype(), tensor.shape()));
        described.put("settledEnd", tensor.settledEnd().name());
        ArrayNode parts = described.putArray("parts");
        for (Manifest.Part part : tensor.parts()) {
            ObjectNode item = parts.addObject();
            item.put("file", part.key().startsWith(group) ? part.key().substring(group.length()) : part.key());
            item.put("frames", part.frames());
            item.put("bytes", part.bytes());
            item.put("sha256", part.sha256());
            if (part.shared()) {
                item.put("block", part.block());
            }
            if (part.store() != null) {
                item.put("store", part.store());
            }
        }
    }

    /** The manifest of {@code group}, checked as {@link #decode} does. */
    static Manifest read(ObjectStore store, String group) throws IOException, CorruptCheckpointException {
        byte[] bytes = store.read(group + ObjectNames.MANIFEST)
                .orElseThrow(() -> new CorruptCheckpointException("manifest disappeared"));
        return decode(bytes, group);
    }

    /**
     * The manifest in {@code bytes}, of any readable version: sealed where its version is, and
     * consistent in itself (every part fits its tensor, the parts hold every frame).
     */
    static Manifest decode(byte[] bytes, String group) throws CorruptCheckpointException {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(bytes);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            throw new CorruptCheckpointException("manifest is not valid JSON (" + why + ")");
        }
        if (!(parsed instanceof ObjectNode json) || !FORMAT.equals(json.path("format").asText())) {
            throw new CorruptCheckpointException("manifest is not a " + FORMAT + " manifest");
        }
        int version = json.path("version").asInt(-1);
        if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION) {
            throw new CorruptCheckpointException("format version " + version + " (this worker reads versions "
                    + OLDEST_READABLE_VERSION + " to " + FORMAT_VERSION + ")");
        }
        if (version >= FIRST_SEALED_VERSION) {
            ObjectNode unsealed = json.deepCopy();
            JsonNode claimed = unsealed.remove(MANIFEST_SHA256);
            if (claimed == null || !claimed.asText().equals(sha256(unsealed))) {
                throw new CorruptCheckpointException("manifest fails its SHA-256 check (edited or damaged)");
            }
        }
        return fields(version < OLDEST_CURRENT_SHAPE ? LegacyManifests.upgrade(json, version) : json, group);
    }

    private static Manifest fields(JsonNode json, String group) throws CorruptCheckpointException {
        CheckpointIdentity identity = new CheckpointIdentity(text(json, "jobId"), text(json, "specHash"),
                text(json, "modelId"));
        int sections = json.path("sectionsCompleted").asInt(-1);
        if (sections < 0 || !json.path("settings").isObject() || !json.path("sectionSeconds").isArray()
                || !json.path("tensors").isArray()) {
            throw new CorruptCheckpointException("manifest lacks sectionsCompleted, settings, sectionSeconds or tensors");
        }
        Map<String, Long> settings = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> setting : json.get("settings").properties()) {
            if (!setting.getValue().isIntegralNumber()) {
                throw new CorruptCheckpointException("setting '" + setting.getKey() + "' is not a whole number");
            }
            settings.put(setting.getKey(), setting.getValue().asLong());
        }
        List<Double> seconds = new ArrayList<>();
        for (JsonNode value : json.get("sectionSeconds")) {
            if (!value.isNumber()) {
                throw new CorruptCheckpointException("sectionSeconds holds " + value + ", not a number");
            }
            seconds.add(value.asDouble());
        }
        List<Manifest.TensorParts> tensors = new ArrayList<>();
        for (JsonNode described : json.get("tensors")) {
            tensors.add(tensor(described, group));
        }
        return new Manifest(identity, sections, settings, seconds, tensors);
    }

    private static Manifest.TensorParts tensor(JsonNode described, String group) throws CorruptCheckpointException {
        String name = text(described, "name");
        DataType dtype;
        long[] shape = new long[described.path("shape").size()];
        FrameTensor.SettledEnd settledEnd;
        try {
            dtype = DataType.valueOf(text(described, "dtype"));
            for (int i = 0; i < shape.length; i++) {
                shape[i] = described.get("shape").get(i).asLong();
            }
            if (StoredTensor.byteSize(dtype, shape) != described.path("bytes").asLong(-1)) {
                throw new CorruptCheckpointException(name + ": shape and type do not match its size");
            }
            settledEnd = FrameTensor.SettledEnd.valueOf(text(described, "settledEnd"));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CorruptCheckpointException(name + ": " + e.getMessage());
        }
        int frames = StoredTensor.frames(shape);
        List<Manifest.Part> parts = new ArrayList<>();
        int partFrames = 0;
        for (JsonNode item : described.path("parts")) {
            String file = text(item, "file");
            boolean shared = file.startsWith(ObjectNames.BLOCKS);
            if (!ObjectNames.isPlain(shared ? file.substring(ObjectNames.BLOCKS.length()) : file)) {
                throw new CorruptCheckpointException(name + ": part file name '" + file + "' is not plain");
            }
            int count = item.path("frames").asInt(-1);
            long[] partShape = shape.clone();
            if (shape.length > StoredTensor.TIME_AXIS) {
                partShape[StoredTensor.TIME_AXIS] = count;
            }
            long bytes = item.path("bytes").asLong(-1);
            if (count < 1 || partFrames + count > frames || StoredTensor.byteSize(dtype, partShape) != bytes) {
                throw new CorruptCheckpointException(file + ": " + count + " frames of " + bytes + " bytes do not fit " + name);
            }
            int block = item.has("block") ? item.get("block").asInt(-1) : -1;
            if (item.has("block") && (block < 0 || !item.get("block").isInt())) {
                throw new CorruptCheckpointException(file + ": block " + item.get("block") + " is not a block number");
            }
            String store = item.has("store") ? text(item, "store") : null;
            if (store != null && (!shared || block < 0)) {
                throw new CorruptCheckpointException(file + ": only shared blocks can be in another store (" + store + ")");
            }
            parts.add(new Manifest.Part(shared ? file : group + file, count, bytes, text(item, "sha256"), block, store));
            partFrames += count;
        }
        if (partFrames != frames) {
            throw new CorruptCheckpointException(name + ": parts hold " + partFrames + " of " + frames + " frames");
        }
        return new Manifest.TensorParts(name, dtype, shape, settledEnd, parts);
    }

    /** SHA-256 of the manifest's compact JSON; Jackson writes a parsed tree back to the same bytes. */
    private static String sha256(ObjectNode manifest) {
        try {
            return HexFormat.of().formatHex(Sha256.newDigest().digest(JSON.writeValueAsBytes(manifest)));
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always writes", e);
        }
    }

    static String text(JsonNode node, String field) throws CorruptCheckpointException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new CorruptCheckpointException("manifest lacks '" + field + "'");
        }
        return value.asText();
    }
}
