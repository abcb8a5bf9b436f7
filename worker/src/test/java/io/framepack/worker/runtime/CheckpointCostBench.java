package io.framepack.worker.runtime;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.checkpoint.StoredTensor;
import io.framepack.worker.runtime.storage.DirectoryStore;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Checkpoint write cost at the official 640×608 shapes (latent 80×76): saves the state a job has
 * after {@code k} sections (float32 latent history of 19 + 9k frames, fp16 pixel history of
 * 36k − 3 frames) {@code repeats} times into a directory and prints bytes, seconds and MB/s.
 * Arguments: {@code directory k repeats [pixelFramesCap]}; the cap bounds the pixel history so the
 * run fits a small machine, the throughput then projects the full size.
 */
public final class CheckpointCostBench {
    private CheckpointCostBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int sections = Integer.parseInt(args[1]);
        int repeats = Integer.parseInt(args[2]);
        int pixelFrames = Math.min(36 * sections - 3, args.length > 3 ? Integer.parseInt(args[3]) : Integer.MAX_VALUE);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("start_latent", random(DataType.FLOAT32, 1, 16, 1, 80, 76));
        tensors.put("history_latents", random(DataType.FLOAT32, 1, 16, 19 + 9L * sections, 80, 76));
        tensors.put("history_pixels", random(DataType.FLOAT16, 1, 3, pixelFrames, 640, 608));
        CheckpointStore store = new CheckpointStore(new DirectoryStore(dir), 2);
        for (int i = 0; i < repeats; i++) {
            CheckpointStore.Saved saved = store.save(new Checkpoint(new CheckpointIdentity("bench", "spec", "model"),
                    sections, new ObjectMapper().createObjectNode(), tensors));
            System.out.printf(Locale.ROOT, "k=%d pixelFrames=%d bytes=%d seconds=%.3f MB/s=%.0f%n", sections, pixelFrames,
                    saved.bytes(), saved.seconds(), saved.bytes() / 1e6 / saved.seconds());
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static StoredTensor random(DataType dtype, long... shape) {
        long bytes = dtype.getNumOfBytes();
        for (long dim : shape) {
            bytes *= dim;
        }
        byte[] data = new byte[(int) bytes];
        new Random(1).nextBytes(data);
        return new StoredTensor(dtype, shape, ByteBuffer.wrap(data));
    }
}
