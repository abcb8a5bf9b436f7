package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.tensor.Sha256;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Checkpoints for storage tests. */
public final class CheckpointFixtures {
    static final int VIDEO_CHANNELS = 2;
    static final int VIDEO_FRAME_FLOATS = 4 * 4;
    public static final long VIDEO_FRAME_BYTES = VIDEO_CHANNELS * VIDEO_FRAME_FLOATS * 4L;
    /** Frames a section adds to the video, and frames at its growing end the next section still rewrites. */
    public static final int VIDEO_GROWTH = 20;
    public static final int VIDEO_CHANGING = 7;

    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFixtures() {
    }

    /** A checkpoint whose tensor bits depend on the section, so a wrong pick shows. */
    public static Checkpoint checkpoint(CheckpointIdentity identity, int sections) {
        Random random = new Random(sections);
        ByteBuffer latents = ByteBuffer.allocate(2 * 16 * 3 * 4 * 4 * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (latents.hasRemaining()) {
            latents.putFloat((float) random.nextGaussian());
        }
        ByteBuffer half = ByteBuffer.allocate(3 * 5 * 2);
        random.nextBytes(half.array());
        Map<String, FrameTensor> tensors = new LinkedHashMap<>();
        tensors.put("history_latents", FrameTensor.of(new StoredTensor(DataType.FLOAT32, new long[] {2, 16, 3, 4, 4}, latents.flip())));
        tensors.put("start_latent", FrameTensor.of(new StoredTensor(DataType.FLOAT16, new long[] {3, 5}, half)));
        return new Checkpoint(identity, sections, tensors, Map.of("totalLatentFrames", 9L * sections, "seed", 31337L),
                List.of(1.5 * sections));
    }

    /** A copy under {@code target} of the checkpoint store kept in test resource folder {@code name} (see its README). */
    public static Path copyOfStore(String name, Path target) throws IOException {
        Path source;
        try {
            source = Path.of(Objects.requireNonNull(CheckpointFixtures.class.getClassLoader().getResource(name), name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return copyTree(source, target);
    }

    /** A copy of the folder {@code source} and all it holds, as {@code target}. */
    public static Path copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path copy = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
        return target;
    }

    /** The manifest of the checkpoint after {@code section} sections in the store at {@code root}. */
    public static Path manifestOf(Path root, int section) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().equals("manifest.json"))
                    .filter(p -> p.getParent().getFileName().toString().startsWith(String.format("ckpt-%06d-", section)))
                    .findFirst().orElseThrow();
        }
    }

    /** Rewrites the manifest at {@code manifest} as {@code edit} changes it. */
    public static void editManifest(Path manifest, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(manifest.toFile());
        edit.accept(json);
        Files.write(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    }

    /** {@link #editManifest}, then its SHA-256 computed again, as a deliberate edit would. */
    public static void editAndReseal(Path manifest, Consumer<ObjectNode> edit) throws IOException {
        editManifest(manifest, json -> {
            edit.accept(json);
            json.remove(ManifestCodec.MANIFEST_SHA256);
            try {
                json.put(ManifestCodec.MANIFEST_SHA256,
                        HexFormat.of().formatHex(Sha256.newDigest().digest(JSON.writeValueAsBytes(json))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** How many shared blocks the store keeps {@code settledFrames} settled frames in. */
    public static int blocksOf(int settledFrames) {
        return settledFrames / BlockPlan.BLOCK_FRAMES;
    }

    /** All of a tensor's bits as one buffer. */
    public static StoredTensor whole(FrameTensor tensor) {
        return tensor.source().frames(0, tensor.frames());
    }

    /** The video after {@code k} sections: frame values depend on their distance from the settled end, and the changing ones on k. */
    public static FrameTensor video(int k, FrameTensor.SettledEnd end) {
        int frames = VIDEO_GROWTH * k;
        int settled = frames - VIDEO_CHANGING;
        ByteBuffer bytes = ByteBuffer.allocate((int) (frames * VIDEO_FRAME_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < VIDEO_CHANNELS; c++) {
            for (int t = 0; t < frames; t++) {
                int fromSettledEnd = end == FrameTensor.SettledEnd.END ? frames - 1 - t : t;
                float value = fromSettledEnd * 100f + c + (fromSettledEnd < settled ? 0 : k * 0.5f);
                for (int i = 0; i < VIDEO_FRAME_FLOATS; i++) {
                    bytes.putFloat(value + i / 100f);
                }
            }
        }
        StoredTensor whole = new StoredTensor(DataType.FLOAT32, new long[] {1, VIDEO_CHANNELS, frames, 4, 4}, bytes.flip());
        return new FrameTensor(whole.dtype(), whole.shape(), end, settled,
                (from, to) -> StoredTensor.framesOf(List.of(whole), from, to));
    }

    /** A checkpoint holding only {@link #video}. */
    public static Checkpoint growingVideo(CheckpointIdentity identity, int k, FrameTensor.SettledEnd end) {
        return new Checkpoint(identity, k, Map.of("video", video(k, end)), Map.of(), List.of());
    }
}
