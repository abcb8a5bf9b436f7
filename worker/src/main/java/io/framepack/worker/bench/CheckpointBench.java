package io.framepack.worker.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.checkpoint.FrameTensor;
import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Checkpoint cost of a whole job at a given latent size, without a model: a CPU state grows like
 * an inverted-order job's (float32 latent history of 19 + K·k frames; a pixel history of
 * 4K·k − 3 frames as the worker keeps it, the 4K − 3 the next section blends with in fp16 and
 * the rest settled in 8 bits, each section settling 4K more)
 * and is checkpointed after every section exactly as the worker does it. Reports what each save
 * wrote, how long the render waited for the copy and how long the write took.
 */
public final class CheckpointBench {
    private static final int CONTEXT_FRAMES = 19;
    private static final int LATENT_CHANNELS = 16;

    /**
     * One save: {@code copySeconds} is what the render waits for, {@code writeSeconds} runs while
     * the next section renders.
     */
    public record Save(int sectionsCompleted, int pixelFrames, long bytesWritten, long checkpointBytes,
                       double copySeconds, double writeSeconds) {
    }

    private CheckpointBench() {
    }

    /**
     * @param window latent frames per section, K (9 in the official demo)
     */
    public static void run(ObjectStore store, int sections, LatentSize latent, int window, int keep,
                           Consumer<Save> each) throws IOException {
        long latentHeight = latent.height();
        long latentWidth = latent.width();
        CheckpointStore checkpoints = new CheckpointStore(store, keep);
        CheckpointIdentity identity = new CheckpointIdentity("bench", "spec", "model");
        int overlap = 4 * window - 3;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray start = manager.randomNormal(new Shape(1, LATENT_CHANNELS, 1, latentHeight, latentWidth));
            NDArray latents = manager.zeros(new Shape(1, LATENT_CHANNELS, CONTEXT_FRAMES, latentHeight, latentWidth));
            // As the worker holds them: the overlap as fp16, every frame before it settled in 8 bits.
            long height = 8L * latentHeight;
            long width = 8L * latentWidth;
            NDArray open = null;
            NDArray settled = null;
            for (int k = 1; k <= sections; k++) {
                NDArray newLatents = manager.randomNormal(new Shape(1, LATENT_CHANNELS, window, latentHeight, latentWidth))
                        .concat(latents, 2);
                latents.close();
                latents = newLatents;
                if (open != null) {
                    open.close();
                }
                open = manager.randomUniform(-1, 1, new Shape(1, 3, overlap, height, width)).toType(DataType.FLOAT16, false);
                if (k > 1) {
                    NDArray fresh = manager.randomInteger(0, 256, new Shape(1, 3, 4L * window, height, width), DataType.UINT8);
                    if (settled != null) {
                        NDArray joined = fresh.concat(settled, 2);
                        fresh.close();
                        settled.close();
                        fresh = joined;
                    }
                    settled = fresh;
                }
                int settledFrames = settled == null ? 0 : (int) settled.getShape().get(2);
                int pixelFrames = overlap + settledFrames;
                Map<String, FrameTensor> tensors = new LinkedHashMap<>();
                tensors.put("start_latent", FrameTensor.of(start, FrameTensor.SettledEnd.END, 0));
                tensors.put("history_latents", FrameTensor.of(latents, FrameTensor.SettledEnd.END,
                        (int) latents.getShape().get(2)));
                tensors.put("open_pixels", FrameTensor.of(open, FrameTensor.SettledEnd.END, 0));
                if (settled != null) {
                    tensors.put("settled_pixels", FrameTensor.of(settled, FrameTensor.SettledEnd.END, settledFrames));
                }
                CheckpointStore.Saved saved = checkpoints.save(new Checkpoint(identity, k, tensors, Map.of(), List.of()));
                each.accept(new Save(k, pixelFrames, saved.bytes(), saved.totalBytes(), saved.copySeconds(),
                        saved.seconds()));
            }
        }
    }
}
