package io.framepack.worker.bench;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.checkpoint.FrameTensor;
import io.framepack.worker.runtime.checkpoint.StoredTensor;
import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Checkpoint cost of a whole job at a given latent size, without a model: after each of
 * {@code sections} sections it saves the state an inverted-order job has then (float32 latent
 * history of 19 + K·k frames, fp16 pixel history of 4K·k − 3 frames whose newest 4K − 3 frames
 * change with the next blend) and reports what the save wrote and how long it took. Frame
 * contents are filler that stays the same for settled frames, like the real ones.
 */
public final class CheckpointBench {
    private static final int CONTEXT_FRAMES = 19;
    private static final int LATENT_CHANNELS = 16;

    /** One save. */
    public record Save(int sectionsCompleted, int pixelFrames, long bytesWritten, long checkpointBytes, double seconds) {
    }

    private CheckpointBench() {
    }

    /**
     * @param latentHeight latent rows (pixels / 8): 76 for the 640×608 bucket
     * @param window       latent frames per section, K (9 in the official demo)
     */
    public static void run(ObjectStore store, int sections, int latentHeight, int latentWidth, int window, int keep,
                           Consumer<Save> each) throws IOException {
        CheckpointStore checkpoints = new CheckpointStore(store, keep);
        CheckpointIdentity identity = new CheckpointIdentity("bench", "spec", "model");
        for (int k = 1; k <= sections; k++) {
            int latentFrames = CONTEXT_FRAMES + window * k;
            int pixelFrames = 4 * window * k - 3;
            int changing = Math.min(pixelFrames, 4 * window - 3);
            Map<String, FrameTensor> tensors = new LinkedHashMap<>();
            tensors.put("start_latent", filler(DataType.FLOAT32, new long[] {1, LATENT_CHANNELS, 1, latentHeight, latentWidth}, 0, k));
            tensors.put("history_latents", filler(DataType.FLOAT32,
                    new long[] {1, LATENT_CHANNELS, latentFrames, latentHeight, latentWidth}, latentFrames, k));
            tensors.put("history_pixels", filler(DataType.FLOAT16,
                    new long[] {1, 3, pixelFrames, 8L * latentHeight, 8L * latentWidth}, pixelFrames - changing, k));
            CheckpointStore.Saved saved = checkpoints.save(new Checkpoint(identity, k,
                    new ObjectMapper().createObjectNode(), tensors));
            each.accept(new Save(k, pixelFrames, saved.bytes(), saved.totalBytes(), saved.seconds()));
        }
    }

    /** A tensor settled at its end whose frame contents depend on the frame (counted from that end), and on the section where not settled. */
    private static FrameTensor filler(DataType dtype, long[] shape, int settled, int section) {
        int frames = (int) shape[2];
        long frameBytes = shape[3] * shape[4] * dtype.getNumOfBytes();
        return new FrameTensor(dtype, shape, FrameTensor.SettledEnd.END, settled, (from, to) -> {
            long[] part = shape.clone();
            part[2] = to - from;
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(shape[1] * (to - from) * frameBytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
            LongBuffer words = bytes.asLongBuffer();
            for (int c = 0; c < shape[1]; c++) {
                for (int t = from; t < to; t++) {
                    int fromEnd = frames - 1 - t;
                    long word = new SplittableRandom(((long) c << 40) ^ ((long) fromEnd << 8)
                            ^ (fromEnd < settled ? 0 : section)).nextLong();
                    for (long i = 0; i < frameBytes / Long.BYTES; i++) {
                        words.put(word + i);
                    }
                }
            }
            return new StoredTensor(dtype, part, bytes);
        });
    }
}
