package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * FramePack's anti-drifting schedule ({@code demo_gradio.py}): sections are generated from the
 * end of the video back towards the start image. Each section leaves a gap of {@code p·K} unknown
 * frames ("latent padding") between the start image and its window; its context is the start
 * image plus the frames already generated right after the window, read from the front of the
 * history, where new sections are prepended.
 */
public final class InvertedSchedule extends SectionSchedule {
    /** Above this many sections the paddings are 3, 2, …, 2, 1, 0 rather than S−1 … 0. */
    private static final int PLAIN_PADDING_LIMIT = 4;

    private final List<Integer> paddings;

    InvertedSchedule(int sections, int window) {
        super(sections, window);
        this.paddings = latentPaddings(sections);
    }

    /**
     * The latent padding of each section in generation order: {@code S−1, …, 1, 0}, or for more
     * than 4 sections {@code 3, 2 (S−3 times), 1, 0} (the official code finds repeating 2 looks
     * better than expanding the range).
     */
    public static List<Integer> latentPaddings(int sections) {
        List<Integer> paddings = new ArrayList<>(sections);
        if (sections > PLAIN_PADDING_LIMIT) {
            paddings.add(3);
            paddings.addAll(Collections.nCopies(sections - 3, 2));
            paddings.add(1);
            paddings.add(0);
        } else {
            for (int p = sections - 1; p >= 0; p--) {
                paddings.add(p);
            }
        }
        return List.copyOf(paddings);
    }

    public int latentPadding(int section) {
        return paddings.get(section);
    }

    /** Positions {@code 0 … 1+pK+K+19−1} cut into {@code [1, pK, K, 1, 2, 16]}: start, gap, window, 1×, 2×, 4×. */
    @Override
    public SectionIndices indices(int section) {
        int gap = latentPadding(section) * window();
        long window = 1 + gap;
        long post = window + window();
        long clean2x = post + CONTEXT_1X;
        long clean4x = clean2x + CONTEXT_2X;
        return new SectionIndices(SectionIndices.range(window, window()), new long[] {0, post},
                SectionIndices.range(clean2x, CONTEXT_2X), SectionIndices.range(clean4x, CONTEXT_4X));
    }

    @Override
    NDArray initialHistory(NDArray startLatent) {
        Shape shape = startLatent.getShape();
        return startLatent.getManager().zeros(new Shape(shape.get(0), shape.get(1), CONTEXT_FRAMES, shape.get(3),
                shape.get(4)));
    }

    @Override
    int initialGeneratedFrames() {
        return 0;
    }

    @Override
    ContextLatents context(NDArray history, NDArray startLatent) {
        NDArray[] pieces = split(frames(history, 0, CONTEXT_FRAMES), CONTEXT_1X, CONTEXT_2X, CONTEXT_4X);
        return new ContextLatents(startLatent.concat(pieces[0], TIME_AXIS), pieces[1], pieces[2]);
    }

    /** The window; the last section (padding 0) also adds the start latent. */
    @Override
    int addedFrames(int section) {
        return window() + (latentPadding(section) == 0 ? 1 : 0);
    }

    /** Prepends the section; the last one (padding 0) is prepended together with the start latent. */
    @Override
    Extension extend(NDArray history, NDArray sampled, NDArray startLatent, int section) {
        NDArray generated = latentPadding(section) == 0 ? startLatent.concat(sampled, TIME_AXIS) : sampled;
        return new Extension(generated.concat(history, TIME_AXIS), (int) frameCount(generated));
    }

    @Override
    NDArray generated(NDArray history, int generatedFrames) {
        return frames(history, 0, generatedFrames);
    }

    /** The new section and the previous one (and the start frame on the last section). */
    @Override
    NDArray decodeSlice(NDArray generated, int section) {
        int frames = 2 * window() + (latentPadding(section) == 0 ? 1 : 0);
        return frames(generated, 0, frames);
    }

    @Override
    public boolean growsAtStart() {
        return true;
    }

    @Override
    NDArray mergePixels(NDArray earlierPixels, NDArray current) {
        return SoftAppend.softAppend(current, earlierPixels, overlapPixelFrames());
    }
}
