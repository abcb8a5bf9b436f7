package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.runtime.storage.StorageException;
import io.framepack.worker.tensor.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in an {@link ObjectStore}, format version {@value #FORMAT_VERSION}. Each checkpoint
 * is a group of objects {@code ckpt-<section>-<nonce>/} holding the frames that may still change
 * and {@code manifest.json}, written last, with the identity, the scalars and every tensor as a
 * list of parts along its time axis, each with its size and SHA-256, and the manifest's own
 * SHA-256 over all of that. Settled frames (those no
 * later section changes) go to shared blocks {@code blocks/<tensor>-<n>-<nonce>.bin} of
 * {@value #BLOCK_FRAMES} frames counted from the settled end, written once and referenced by
 * every later manifest: a save writes the new frames, not the whole video. A checkpoint without
 * its manifest was interrupted and is ignored; nonces keep a retried write from touching the
 * objects of an earlier one, so every object is immutable once written (as S3 prefers it).
 */
public final class CheckpointStore {
    public static final int FORMAT_VERSION = 3;
    /** Version 1 stored each tensor as one file, versions before 3 had no manifest hash; they are still read. */
    private static final int OLDEST_READABLE_VERSION = 1;
    private static final int FIRST_SEALED_VERSION = 3;
    /** Frames per shared block: 37 MB of fp16 pixels or 6 MB of float32 latents at 640×608. */
    public static final int BLOCK_FRAMES = 16;
    static final String FORMAT = "framepack-checkpoint";
    static final String MANIFEST = "manifest.json";
    /** The manifest's own SHA-256 (over its compact JSON without this field): its scalars are trusted on resume too. */
    static final String MANIFEST_SHA256 = "manifestSha256";
    static final String BLOCKS = "blocks/";
    private static final Pattern GROUP = Pattern.compile("ckpt-(\\d{6})-([0-9a-f]{8})/");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;
    private final int keep;
    /** Settled blocks the newest checkpoint written or read here references, by tensor name. */
    private Map<String, SettledBlocks> settled = Map.of();

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

    /** Fails now if the store cannot be written ({@link ObjectStore#probe()}). */
    public void probe() throws IOException {
        store.probe();
    }

    /**
     * What a save cost, for progress and measurements.
     *
     * @param bytes       bytes written by this save
     * @param totalBytes  bytes the checkpoint holds, shared blocks included
     * @param copySeconds time to copy the new bits out of the render (the render waits for this)
     * @param seconds     time to write them (the render need not wait: {@link #prepare})
     */
    public record Saved(String location, int sectionsCompleted, long bytes, long totalBytes, double copySeconds,
                        double seconds) {
    }

    /** One stored piece of a tensor: {@code frames} frames in {@code file}; {@code block} ≥ 0 for a shared settled block. */
    private record Part(String file, int frames, long bytes, String sha256, int block) {
    }

    /** The settled blocks of one tensor, nearest the settled end first, and what they hold. */
    private record SettledBlocks(DataType dtype, long[] frameShape, FrameTensor.SettledEnd end, List<Part> blocks) {
        Part reusable(int block, FrameTensor tensor) {
            return block < blocks.size() && dtype == tensor.dtype() && end == tensor.settledEnd()
                    && Arrays.equals(frameShape, CheckpointStore.frameShape(tensor.shape())) ? blocks.get(block) : null;
        }
    }

    /**
     * Writes the checkpoint (new parts first, manifest last), then deletes checkpoints beyond the
     * newest {@code keep} and the blocks none of the remaining ones references.
     */
    public Saved save(Checkpoint checkpoint) throws IOException {
        return prepare(checkpoint).write();
    }

    /**
     * Copies out of {@code checkpoint} the bits this save must write (the frames not in a block an
     * earlier checkpoint holds), so the render may move on while {@link PreparedSave#write()} runs.
     * The previous save must have been written.
     */
    public PreparedSave prepare(Checkpoint checkpoint) {
        long started = System.nanoTime();
        String group = String.format("ckpt-%06d-%s/", checkpoint.sectionsCompleted(), nonce());
        List<PlannedTensor> planned = new ArrayList<>();
        for (Map.Entry<String, FrameTensor> entry : checkpoint.tensors().entrySet()) {
            String name = entry.getKey();
            FrameTensor tensor = entry.getValue();
            if (!PLAIN_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("tensor name '" + name + "' cannot name a file");
            }
            SettledBlocks before = settled.get(name);
            List<PlannedPart> blocks = new ArrayList<>();
            for (int block = 0; block < tensor.settledFrames() / BLOCK_FRAMES; block++) {
                Part reused = before == null ? null : before.reusable(block, tensor);
                if (reused != null) {
                    blocks.add(new PlannedPart(reused.file(), block, null, reused));
                } else {
                    int[] range = blockRange(tensor, block);
                    blocks.add(new PlannedPart(BLOCKS + name + "-" + String.format("%06d", block) + "-" + nonce() + ".bin",
                            block, tensor.source().frames(range[0], range[1]), null));
                }
            }
            List<PlannedPart> changing = new ArrayList<>();
            int[] rest = changingRange(tensor, blocks.size());
            for (int from = rest[0]; from < rest[1]; from += BLOCK_FRAMES) {
                String file = group + name + (rest[1] - rest[0] > BLOCK_FRAMES ? "." + changing.size() : "") + ".bin";
                changing.add(new PlannedPart(file, -1, tensor.source().frames(from, Math.min(rest[1], from + BLOCK_FRAMES)), null));
            }
            List<PlannedPart> parts = new ArrayList<>();
            if (tensor.settledEnd() == FrameTensor.SettledEnd.END) {
                parts.addAll(changing);
                for (int block = blocks.size() - 1; block >= 0; block--) {
                    parts.add(blocks.get(block));
                }
            } else {
                parts.addAll(blocks);
                parts.addAll(changing);
            }
            planned.add(new PlannedTensor(name, tensor, parts));
        }
        return new PreparedSave(checkpoint.identity(), checkpoint.sectionsCompleted(), checkpoint.state().deepCopy(),
                group, planned, (System.nanoTime() - started) / 1e9);
    }

    /** A part of a tensor to write ({@code bits}) or one an earlier checkpoint wrote ({@code reused}). */
    private record PlannedPart(String key, int block, StoredTensor bits, Part reused) {
    }

    private record PlannedTensor(String name, FrameTensor tensor, List<PlannedPart> parts) {
    }

    /** A checkpoint ready to be written: it holds copies of every bit it writes. */
    public final class PreparedSave {
        private final CheckpointIdentity identity;
        private final int sectionsCompleted;
        private final ObjectNode state;
        private final String group;
        private final List<PlannedTensor> tensors;
        private final double copySeconds;

        private PreparedSave(CheckpointIdentity identity, int sectionsCompleted, ObjectNode state, String group,
                             List<PlannedTensor> tensors, double copySeconds) {
            this.identity = identity;
            this.sectionsCompleted = sectionsCompleted;
            this.state = state;
            this.group = group;
            this.tensors = tensors;
            this.copySeconds = copySeconds;
        }

        /** Writes the new parts, then the manifest; then prunes. Call once. */
        public Saved write() throws IOException {
            long started = System.nanoTime();
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("format", FORMAT);
            manifest.put("version", FORMAT_VERSION);
            manifest.put("jobId", identity.jobId());
            manifest.put("specHash", identity.specHash());
            manifest.put("modelId", identity.modelId());
            manifest.put("sectionsCompleted", sectionsCompleted);
            manifest.put("createdAt", Instant.now().toString());
            manifest.set("state", state);
            ArrayNode described = manifest.putArray("tensors");
            Map<String, SettledBlocks> nowSettled = new LinkedHashMap<>();
            long written = 0;
            long total = 0;
            for (PlannedTensor planned : tensors) {
                List<Part> parts = new ArrayList<>();
                List<Part> blocks = new ArrayList<>();
                for (PlannedPart part : planned.parts()) {
                    Part stored = part.reused();
                    if (stored == null) {
                        stored = writePart(part.key(), part.bits(), part.block());
                        written += stored.bytes();
                    }
                    parts.add(stored);
                    if (stored.block() >= 0) {
                        blocks.add(stored);
                    }
                }
                blocks.sort(Comparator.comparingInt(Part::block));
                FrameTensor tensor = planned.tensor();
                describe(described.addObject(), planned.name(), tensor, group, parts);
                total += tensor.byteSize();
                nowSettled.put(planned.name(), new SettledBlocks(tensor.dtype(), frameShape(tensor.shape()),
                        tensor.settledEnd(), blocks));
            }
            requireReusedBlocks();
            manifest.put(MANIFEST_SHA256, manifestSha256(manifest));
            byte[] manifestBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
            store.write(group + MANIFEST, manifestBytes);
            settled = nowSettled;
            prune();
            return new Saved(store.locate(group), sectionsCompleted, written + manifestBytes.length,
                    total + manifestBytes.length, copySeconds, (System.nanoTime() - started) / 1e9);
        }

        /**
         * A block shared with an earlier checkpoint may have been deleted since (by hand, by a
         * lifecycle rule): a manifest referencing it would be reported saved yet never load. The next
         * save then writes every block afresh.
         */
        private void requireReusedBlocks() throws IOException {
            List<String> reused = new ArrayList<>();
            for (PlannedTensor planned : tensors) {
                for (PlannedPart part : planned.parts()) {
                    if (part.reused() != null) {
                        reused.add(part.key());
                    }
                }
            }
            if (reused.isEmpty()) {
                return;
            }
            Set<String> present = new HashSet<>(store.list(BLOCKS));
            for (String key : reused) {
                if (!present.contains(key)) {
                    settled = Map.of();
                    throw new StorageException("cannot save checkpoint " + store.locate(group) + ": block " + store.locate(key)
                            + ", shared with the previous checkpoint, is gone from the store", null);
                }
            }
        }
    }

    /** Frames {@code [from, to)} of settled block {@code block}, counted from the settled end. */
    private static int[] blockRange(FrameTensor tensor, int block) {
        int frames = tensor.frames();
        return tensor.settledEnd() == FrameTensor.SettledEnd.END
                ? new int[] {frames - (block + 1) * BLOCK_FRAMES, frames - block * BLOCK_FRAMES}
                : new int[] {block * BLOCK_FRAMES, (block + 1) * BLOCK_FRAMES};
    }

    /** The frames outside the first {@code blocks} settled blocks: written with every checkpoint. */
    private static int[] changingRange(FrameTensor tensor, int blocks) {
        int frames = tensor.frames();
        return tensor.settledEnd() == FrameTensor.SettledEnd.END
                ? new int[] {0, frames - blocks * BLOCK_FRAMES}
                : new int[] {blocks * BLOCK_FRAMES, frames};
    }

    private static void describe(ObjectNode described, String name, FrameTensor tensor, String group, List<Part> parts) {
        described.put("name", name);
        described.put("dtype", tensor.dtype().name());
        ArrayNode shape = described.putArray("shape");
        for (long dim : tensor.shape()) {
            shape.add(dim);
        }
        described.put("bytes", tensor.byteSize());
        described.put("settledEnd", tensor.settledEnd().name());
        ArrayNode list = described.putArray("parts");
        for (Part part : parts) {
            ObjectNode item = list.addObject();
            item.put("file", part.file().startsWith(group) ? part.file().substring(group.length()) : part.file());
            item.put("frames", part.frames());
            item.put("bytes", part.bytes());
            item.put("sha256", part.sha256());
            if (part.block() >= 0) {
                item.put("block", part.block());
            }
        }
    }

    /**
     * The newest checkpoint that verifies. Corrupt, truncated or unreadable ones are reported to
     * {@code warnings} and skipped in favour of the previous one.
     *
     * @throws CheckpointMismatchException when the newest intact checkpoint belongs to another
     *                                     spec or model: it is neither resumed nor discarded
     */
    public Optional<Checkpoint> loadLatest(CheckpointIdentity expected, Consumer<String> warnings) throws IOException {
        // A job's checkpoints have one writer, which is starting now: a killed predecessor's torn writes can go.
        store.deleteAbandonedWrites();
        for (String group : completeGroupsNewestFirst(store.list("ckpt-"))) {
            Loaded loaded;
            try {
                loaded = load(group);
            } catch (CorruptCheckpointException e) {
                warnings.accept("skipping checkpoint " + store.locate(group) + ": " + e.getMessage());
                continue;
            }
            String mismatch = expected.mismatch(loaded.checkpoint().identity());
            if (mismatch != null) {
                throw new CheckpointMismatchException("refusing to resume from checkpoint " + store.locate(group)
                        + ": " + mismatch + ". Use another checkpoint location or delete that one to start over.");
            }
            settled = loaded.settled();
            return Optional.of(loaded.checkpoint());
        }
        return Optional.empty();
    }

    /** Thrown inside {@link #load} for anything that makes a checkpoint unusable. */
    static final class CorruptCheckpointException extends Exception {
        CorruptCheckpointException(String message) {
            super(message);
        }
    }

    private record Loaded(Checkpoint checkpoint, Map<String, SettledBlocks> settled) {
    }

    private record LoadedTensor(FrameTensor tensor, SettledBlocks settled) {
    }

    private Loaded load(String group) throws IOException, CorruptCheckpointException {
        JsonNode manifest = readManifest(group);
        CheckpointIdentity identity = new CheckpointIdentity(text(manifest, "jobId"), text(manifest, "specHash"),
                text(manifest, "modelId"));
        int sections = manifest.path("sectionsCompleted").asInt(-1);
        if (sections < 0 || !manifest.path("state").isObject() || !manifest.path("tensors").isArray()) {
            throw new CorruptCheckpointException("manifest lacks sectionsCompleted, state or tensors");
        }
        if (sections != section(group)) {
            throw new CorruptCheckpointException("manifest says " + sections + " sections completed, its name " + section(group));
        }
        Map<String, FrameTensor> tensors = new LinkedHashMap<>();
        Map<String, SettledBlocks> blocks = new LinkedHashMap<>();
        for (JsonNode described : manifest.get("tensors")) {
            String name = text(described, "name");
            LoadedTensor tensor = readTensor(group, described);
            tensors.put(name, tensor.tensor());
            blocks.put(name, tensor.settled());
        }
        return new Loaded(new Checkpoint(identity, sections, (ObjectNode) manifest.get("state"), tensors), blocks);
    }

    private JsonNode readManifest(String group) throws IOException, CorruptCheckpointException {
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
        if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION) {
            throw new CorruptCheckpointException("format version " + version + " (this worker reads versions "
                    + OLDEST_READABLE_VERSION + " to " + FORMAT_VERSION + ")");
        }
        if (version >= FIRST_SEALED_VERSION) {
            ObjectNode unsealed = ((ObjectNode) manifest).deepCopy();
            JsonNode claimed = unsealed.remove(MANIFEST_SHA256);
            if (claimed == null || !claimed.asText().equals(manifestSha256(unsealed))) {
                throw new CorruptCheckpointException("manifest fails its SHA-256 check (edited or damaged)");
            }
        }
        return manifest;
    }

    /** SHA-256 of the manifest's compact JSON; Jackson writes a parsed tree back to the same bytes. */
    private static String manifestSha256(ObjectNode manifest) throws IOException {
        return HexFormat.of().formatHex(Sha256.newDigest().digest(JSON.writeValueAsBytes(manifest)));
    }

    private LoadedTensor readTensor(String group, JsonNode described) throws IOException, CorruptCheckpointException {
        String name = text(described, "name");
        DataType dtype;
        long[] shape = new long[described.path("shape").size()];
        try {
            dtype = DataType.valueOf(text(described, "dtype"));
            for (int i = 0; i < shape.length; i++) {
                shape[i] = described.get("shape").get(i).asLong();
            }
            if (StoredTensor.byteSize(dtype, shape) != described.path("bytes").asLong(-1)) {
                throw new CorruptCheckpointException(name + ": shape and type do not match its size");
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CorruptCheckpointException(name + ": " + e.getMessage());
        }
        int frames = StoredTensor.frames(shape);
        List<StoredTensor> parts = new ArrayList<>();
        List<Part> blocks = new ArrayList<>();
        int partFrames = 0;
        for (JsonNode item : partsOf(described, frames)) {
            String file = text(item, "file");
            String key = file.startsWith(BLOCKS) ? file : group + file;
            String plain = file.startsWith(BLOCKS) ? file.substring(BLOCKS.length()) : file;
            if (!PLAIN_NAME.matcher(plain).matches()) {
                throw new CorruptCheckpointException(name + ": part file name '" + file + "' is not plain");
            }
            int count = item.path("frames").asInt(-1);
            long[] partShape = shape.clone();
            if (shape.length > StoredTensor.TIME_AXIS) {
                partShape[StoredTensor.TIME_AXIS] = count;
            }
            long bytes = item.path("bytes").asLong(-1);
            if (count < 1 || partFrames + count > frames
                    || StoredTensor.byteSize(dtype, partShape) != bytes) {
                throw new CorruptCheckpointException(file + ": " + count + " frames of " + bytes
                        + " bytes do not fit " + name);
            }
            String sha256 = text(item, "sha256");
            parts.add(new StoredTensor(dtype, partShape, readVerified(key, file, bytes, sha256)));
            partFrames += count;
            if (item.has("block")) {
                blocks.add(new Part(key, count, bytes, sha256, item.get("block").asInt()));
            }
        }
        if (partFrames != frames) {
            throw new CorruptCheckpointException(name + ": parts hold " + partFrames + " of " + frames + " frames");
        }
        FrameTensor.SettledEnd end = FrameTensor.SettledEnd.valueOf(described.path("settledEnd").asText("END"));
        blocks.sort(Comparator.comparingInt(Part::block));
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).block() != i || blocks.get(i).frames() != BLOCK_FRAMES) {
                throw new CorruptCheckpointException(name + ": settled blocks are not numbered 0 to " + (blocks.size() - 1));
            }
        }
        FrameTensor tensor = new FrameTensor(dtype, shape, end, blocks.size() * BLOCK_FRAMES,
                (from, to) -> StoredTensor.framesOf(parts, from, to));
        return new LoadedTensor(tensor, new SettledBlocks(dtype, frameShape(shape), end, blocks));
    }

    /** The parts list; a version 1 tensor is one file. */
    private static Iterable<JsonNode> partsOf(JsonNode described, int frames) throws CorruptCheckpointException {
        if (described.path("parts").isArray()) {
            return described.get("parts");
        }
        ObjectNode whole = JSON.createObjectNode();
        whole.put("file", text(described, "file"));
        whole.put("frames", frames);
        whole.set("bytes", described.get("bytes"));
        whole.put("sha256", text(described, "sha256"));
        return List.of(whole);
    }

    private ByteBuffer readVerified(String key, String file, long declared, String sha256)
            throws IOException, CorruptCheckpointException {
        if (declared > Integer.MAX_VALUE) {
            throw new CorruptCheckpointException(file + ": " + declared + " bytes exceed one buffer");
        }
        Optional<InputStream> opened = store.open(key);
        if (opened.isEmpty()) {
            throw new CorruptCheckpointException(file + " is missing");
        }
        ByteBuffer data = ByteBuffer.allocate((int) declared).order(ByteOrder.LITTLE_ENDIAN);
        MessageDigest digest = Sha256.newDigest();
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
        if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
            throw new CorruptCheckpointException(file + " fails its SHA-256 check");
        }
        return data.flip();
    }

    private Part writePart(String key, StoredTensor bits, int block) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        try (ObjectStore.PendingObject pending = store.create(key)) {
            OutputStream hashed = new DigestOutputStream(pending.stream(), digest);
            WritableByteChannel channel = Channels.newChannel(hashed);
            ByteBuffer data = bits.data().duplicate();
            while (data.hasRemaining()) {
                channel.write(data);
            }
            hashed.flush();
            pending.commit();
        }
        return new Part(key, bits.frames(), bits.byteSize(), HexFormat.of().formatHex(digest.digest()), block);
    }

    /** The shape without its time dimension: what must match for blocks to be shared. */
    private static long[] frameShape(long[] shape) {
        long[] frame = shape.clone();
        if (frame.length > StoredTensor.TIME_AXIS) {
            frame[StoredTensor.TIME_AXIS] = 0;
        }
        return frame;
    }

    private static String nonce() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Group prefixes among {@code keys} that have a manifest, newest (most sections) first. */
    private static List<String> completeGroupsNewestFirst(List<String> keys) {
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
     * Deletes complete checkpoints beyond the newest {@code keep}, and the groups of interrupted
     * writes (no manifest: the job's one writer is past them). A manifest goes first so that a
     * checkpoint is never half-deleted yet still looks complete.
     */
    private void prune() throws IOException {
        List<String> keys = store.list("ckpt-");
        List<String> complete = completeGroupsNewestFirst(keys);
        List<String> kept = complete.subList(0, Math.min(keep, complete.size()));
        List<String> doomed = new ArrayList<>(complete.subList(kept.size(), complete.size()));
        for (String key : keys) {
            Matcher matcher = GROUP.matcher(key);
            if (matcher.lookingAt() && !complete.contains(matcher.group()) && !doomed.contains(matcher.group())) {
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
        pruneBlocks(kept);
    }

    /** Deletes the shared blocks no kept checkpoint references; keeps them all when a manifest cannot be read. */
    private void pruneBlocks(List<String> kept) throws IOException {
        Set<String> referenced = new HashSet<>();
        for (String group : kept) {
            try {
                for (JsonNode described : readManifest(group).path("tensors")) {
                    for (JsonNode part : described.path("parts")) {
                        referenced.add(part.path("file").asText());
                    }
                }
            } catch (CorruptCheckpointException e) {
                return;
            }
        }
        for (String key : store.list(BLOCKS)) {
            if (!referenced.contains(key)) {
                store.delete(key);
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
}
