package io.framepack.worker.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.image.RgbImage;
import io.framepack.worker.pipeline.GenerationListener;
import io.framepack.worker.pipeline.NonFiniteValuesException;
import io.framepack.worker.pipeline.PixelFrames;
import io.framepack.worker.pipeline.PixelHistory;
import io.framepack.worker.pipeline.SectionLoop;
import io.framepack.worker.pipeline.SectionLoopState;
import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.pipeline.VideoFrames;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.CheckpointMismatchException;
import io.framepack.worker.runtime.checkpoint.FrameTensor;
import io.framepack.worker.runtime.checkpoint.StoredTensor;

import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.SpatialTiling;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The FramePack section loop as a {@link RenderSession}: its {@link SectionLoopState} is what a
 * checkpoint holds (latent history, start latent, pixel history, the section count), with the
 * decoder's tiling, and a step callback that throws abandons the section without touching it.
 */
public final class FramePackSession implements RenderSession {
    /** Checkpoint setting: 1 when the sections so far were decoded in spatial tiles, 0 in whole frames. */
    static final String TILED_VAE = "tiledVae";

    private final SectionLoop loop;
    private final HunyuanVideoVae decoder;
    private final Consumer<String> warnings;
    private final NDManager manager;
    private final int steps;
    private final AutoCloseable resources;
    private final List<RgbImage> leadingFrames;
    private SectionLoopState state;

    /**
     * @param decoder     the VAE, tiled as the memory plan chose; a restored checkpoint's choice wins
     * @param initialLatents the VAE-encoded start image, or the video the schedule extends; replaced
     *                       by the saved state on {@link #restore}
     * @param leadingFrames  the input video's frames at the render's size, which the output starts
     *                       with; null for a render from a start image
     * @param warnings       told when a restore overrides the plan's tiling
     * @param resources      models and memory this render owns, closed with it
     */
    public FramePackSession(SectionLoop loop, HunyuanVideoVae decoder, NDArray initialLatents,
                            List<RgbImage> leadingFrames, int steps, NDManager manager, Consumer<String> warnings,
                            AutoCloseable resources) {
        this.loop = loop;
        this.decoder = decoder;
        this.warnings = warnings;
        this.manager = manager;
        this.steps = steps;
        this.resources = resources;
        this.leadingFrames = leadingFrames == null ? null : List.copyOf(leadingFrames);
        this.state = loop.start(initialLatents);
    }

    @Override
    public int sectionsTotal() {
        return loop.schedule().sections();
    }

    @Override
    public int stepsPerSection() {
        return steps;
    }

    @Override
    public int sectionsCompleted() {
        return state.sectionsCompleted();
    }

    @Override
    public SectionResult runNextSection(StepCallback callback) {
        int section = state.sectionsCompleted();
        NDArray[] preview = new NDArray[1];
        try {
            runSection(callback, preview);
        } catch (NonFiniteValuesException e) {
            // The same weights and settings compute the same numbers again: a retry cannot help.
            throw new InvalidInputException(InvalidInputException.MODEL, e.getMessage(), e);
        }
        return new SectionResult(section, state.pixels().frameCount(), preview[0]);
    }

    private void runSection(StepCallback callback, NDArray[] preview) {
        loop.runSection(state, new GenerationListener() {
            @Override
            public void onStep(int current, int sections, int step, int total, NDArray denoised) {
                if (step + 1 == total) {
                    // The official preview: the last x̂₀ of the section through the fixed latent-to-RGB map.
                    preview[0] = decoder.preview(denoised).toDevice(ai.djl.Device.cpu(), true);
                    preview[0].attach(manager);
                }
                callback.onStep(current, step + 1, total);
            }
        });
    }

    @Override
    public Checkpoint snapshot(CheckpointIdentity identity, List<Double> sectionSeconds) {
        SectionSchedule schedule = loop.schedule();
        FrameTensor.SettledEnd settledEnd = schedule.growsAtStart() ? FrameTensor.SettledEnd.END : FrameTensor.SettledEnd.START;
        Map<String, FrameTensor> tensors = new LinkedHashMap<>();
        state.tensors().forEach((name, array) ->
                tensors.put(name, FrameTensor.of(array, settledEnd, state.settledFrames(name))));
        PixelHistory pixels = state.pixels();
        int settled = pixels.settledFrames();
        if (settled > 0) {
            tensors.put(SectionLoopState.SETTLED_PIXELS, new FrameTensor(DataType.UINT8, settledShape(pixels, settled),
                    settledEnd, settled, (from, to) -> new StoredTensor(DataType.UINT8, settledShape(pixels, to - from),
                            pixels.settledBytes(from, to))));
        }
        return new Checkpoint(identity, state.sectionsCompleted(), tensors,
                Map.of(TILED_VAE, decoder.spatialTiling() != null ? 1L : 0L), sectionSeconds);
    }

    private static long[] settledShape(PixelHistory pixels, int frames) {
        return new long[] {1, 3, frames, pixels.height(), pixels.width()};
    }

    @Override
    public void restore(Checkpoint checkpoint) {
        try (NDManager loading = manager.newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            checkpoint.tensors().forEach((name, tensor) -> tensors.put(name, tensor.toArray(loading)));
            SectionLoopState restored;
            try {
                restored = SectionLoopState.restore(loop.schedule(), tensors, checkpoint.sectionsCompleted(), manager);
            } catch (IllegalArgumentException e) {
                // A retry would meet the same checkpoint: refuse for good, and say what to do.
                throw new CheckpointMismatchException("checkpoint does not fit this job: " + e.getMessage()
                        + ". Delete the checkpoint to start over.");
            }
            keepTiling(checkpoint.settings().get(TILED_VAE));
            state.close();
            state = restored;
        }
    }

    /**
     * Decodes as the checkpoint's sections were decoded, so that a video never mixes tiled and
     * whole-frame sections (their pixels differ slightly) even where the budget now says otherwise.
     */
    private void keepTiling(Long savedTiled) {
        if (savedTiled == null) {
            return;
        }
        boolean tiled = savedTiled == 1;
        if (tiled != (decoder.spatialTiling() != null)) {
            warnings.accept("the checkpoint's sections were decoded " + (tiled ? "in spatial tiles" : "in whole frames")
                    + "; the rest are decoded the same way, whatever this attempt's memory plan chose");
            decoder.useSpatialTiling(tiled ? SpatialTiling.OFFICIAL : null);
        }
    }

    @Override
    public VideoFrames pixels() {
        PixelHistory pixels = state.pixels();
        if (pixels.isEmpty()) {
            throw new IllegalStateException("no section has been decoded yet");
        }
        return leadingFrames == null ? pixels : new WithLeadingFrames(pixels);
    }

    /** As FramePack-Studio's combined video: the input's frames, then the new ones. */
    private final class WithLeadingFrames implements VideoFrames {
        private final PixelHistory generated;
        private final DataType dtype;

        WithLeadingFrames(PixelHistory generated) {
            this.generated = generated;
            this.dtype = generated.open().getDataType();
        }

        @Override
        public int frameCount() {
            return leadingFrames.size() + generated.frameCount();
        }

        @Override
        public int height() {
            return generated.height();
        }

        @Override
        public int width() {
            return generated.width();
        }

        @Override
        public byte[] rgb(int f) {
            if (f >= leadingFrames.size()) {
                return generated.rgb(f - leadingFrames.size());
            }
            // Through the decoded pixels' dtype and back, as the input's frames always were (not the identity).
            try (NDManager frame = manager.newSubManager()) {
                NDArray pixels = FramePackRenderer.pixels(List.of(leadingFrames.get(f)), frame).toType(dtype, false);
                return PixelFrames.frame(pixels, 0);
            }
        }
    }

    @Override
    public void close() {
        state.close();
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot release the models", e);
        }
    }
}
