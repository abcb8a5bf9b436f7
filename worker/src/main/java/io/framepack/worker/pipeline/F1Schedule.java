package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * FramePack-F1's forward schedule ({@code demo_gradio_f1.py}): sections follow each other in
 * time. Every section uses the same positions — start image, 16 frames at 4×, 2 at 2×, the newest
 * frame at 1×, then the window — and reads its context from the back of the history, where new
 * sections are appended. The history starts as 19 zero frames followed by the start latent.
 */
public sealed class F1Schedule extends SectionSchedule permits VideoExtensionSchedule {

    F1Schedule(int sections, int window) {
        super(sections, window);
    }

    /** Positions {@code 0 … 20+K−1} cut into {@code [1, 16, 2, 1, K]}: start, 4×, 2×, 1×, window. */
    @Override
    public SectionIndices indices(int section) {
        long clean4x = 1;
        long clean2x = clean4x + CONTEXT_4X;
        long clean1x = clean2x + CONTEXT_2X;
        long window = clean1x + CONTEXT_1X;
        return new SectionIndices(SectionIndices.range(window, window()), new long[] {0, clean1x},
                SectionIndices.range(clean2x, CONTEXT_2X), SectionIndices.range(clean4x, CONTEXT_4X));
    }

    @Override
    NDArray initialHistory(NDArray startLatent) {
        Shape shape = startLatent.getShape();
        NDArray padding = startLatent.getManager().zeros(new Shape(shape.get(0), shape.get(1), CONTEXT_FRAMES,
                shape.get(3), shape.get(4)));
        return padding.concat(startLatent, TIME_AXIS);
    }

    @Override
    int initialGeneratedFrames() {
        return 1;
    }

    @Override
    ContextLatents context(NDArray history, NDArray startLatent) {
        long end = frameCount(history);
        NDArray[] pieces = split(frames(history, end - CONTEXT_FRAMES, end), CONTEXT_4X, CONTEXT_2X, CONTEXT_1X);
        return new ContextLatents(startLatent.concat(pieces[2], TIME_AXIS), pieces[1], pieces[0]);
    }

    @Override
    int addedFrames(int section) {
        return window();
    }

    @Override
    Extension extend(NDArray history, NDArray sampled, NDArray startLatent, int section) {
        return new Extension(history.concat(sampled, TIME_AXIS), (int) frameCount(sampled));
    }

    @Override
    NDArray generated(NDArray history, int generatedFrames) {
        long end = frameCount(history);
        return frames(history, end - generatedFrames, end);
    }

    /** The previous section and the new one. */
    @Override
    NDArray decodeSlice(NDArray generated, int section) {
        long end = frameCount(generated);
        return frames(generated, end - 2L * window(), end);
    }

    @Override
    public boolean growsAtStart() {
        return false;
    }

    @Override
    NDArray mergePixels(NDArray earlierPixels, NDArray current) {
        return SoftAppend.softAppend(earlierPixels, current, overlapPixelFrames());
    }
}
