package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * The order in which a video's sections are generated and how each one is packed: which time
 * positions its tokens get, which frames of the latent history serve as its 1×/2×/4× context,
 * where its latents go in the history, and how its decoded pixels join the video. Two schedules
 * exist: FramePack's inverted anti-drifting order ({@link InvertedSchedule}) and FramePack-F1's
 * forward order ({@link F1Schedule}).
 *
 * <p>Both keep a float32 latent history {@code [1,16,19+n,h,w]} that holds the n generated frames
 * and 19 zero frames of padding (1 + 2 + 16 context frames), so that context can always be read
 * as 19 consecutive frames.
 */
public abstract sealed class SectionSchedule permits InvertedSchedule, F1Schedule {
    /** Context frames read from the history: 1 at full resolution, 2 at 2×, 16 at 4× compression. */
    static final int CONTEXT_1X = 1;
    static final int CONTEXT_2X = 2;
    static final int CONTEXT_4X = 16;
    static final int CONTEXT_FRAMES = CONTEXT_1X + CONTEXT_2X + CONTEXT_4X;
    static final int TIME_AXIS = 2;

    private final int sections;
    private final int window;

    SectionSchedule(int sections, int window) {
        if (sections < 1 || window < 1) {
            throw new IllegalArgumentException("need at least one section and one latent frame per section, got "
                    + sections + " sections of " + window);
        }
        this.sections = sections;
        this.window = window;
    }

    /** Frames per second of the video: the official demo's fixed rate, which its section count and the MP4 both use. */
    public static final int FRAMES_PER_SECOND = 30;

    /**
     * The official section count for a duration: {@code round(seconds·30 / (4·window))} with
     * Python's round-half-to-even, at least 1.
     */
    public static int sectionCount(double seconds, int window) {
        if (!(seconds > 0) || Double.isInfinite(seconds) || window < 1) {
            throw new IllegalArgumentException("invalid duration " + seconds + " s or window " + window);
        }
        return (int) Math.max(Math.rint(seconds * FRAMES_PER_SECOND / (window * 4)), 1);
    }

    public static SectionSchedule inverted(int sections, int window) {
        return new InvertedSchedule(sections, window);
    }

    public static SectionSchedule f1(int sections, int window) {
        return new F1Schedule(sections, window);
    }

    /**
     * FramePack-Studio's forward extension of a video whose {@code videoLatentFrames} latents are
     * the history, with {@code cleanedFrames} context frames of its 1× kind (start latent included).
     */
    public static SectionSchedule videoExtension(int sections, int window, int videoLatentFrames, int cleanedFrames) {
        return new VideoExtensionSchedule(sections, window, videoLatentFrames, cleanedFrames);
    }

    public int sections() {
        return sections;
    }

    /** Latent frames K sampled per section ({@code latent_window_size}). */
    public int window() {
        return window;
    }

    /** Pixel frames two consecutive section decodes share and blend: {@code 4K − 3}. */
    public int overlapPixelFrames() {
        return 4 * window - 3;
    }

    /**
     * Whether sections add frames at the start of the histories (the inverted order) rather than
     * at the end; the other end never changes.
     */
    public abstract boolean growsAtStart();

    public boolean isLast(int section) {
        return section == sections - 1;
    }

    /** Token time positions of section {@code section} (0-based, in generation order). */
    public abstract SectionIndices indices(int section);

    /** The history before the first section, for the float32 initial latents (see {@link #initialLatentFrames}). */
    abstract NDArray initialHistory(NDArray initialLatents);

    /** Latent frames a job starts from: the start latent alone, or a whole video's. */
    public int initialLatentFrames() {
        return 1;
    }

    /** The start latent {@code [1,16,1,h,w]} among the initial latents. */
    NDArray startLatentOf(NDArray initialLatents) {
        return initialLatents;
    }

    /** Frames of the latent history after the first {@code completed} sections: the padding and the generated ones. */
    public int historyFramesAfter(int completed) {
        return CONTEXT_FRAMES + generatedFramesAfter(completed);
    }

    /** Generated frames the initial history already counts (the start latent in F1). */
    abstract int initialGeneratedFrames();

    /** Generated latent frames section {@code section} adds to the history. */
    abstract int addedFrames(int section);

    /** Generated latent frames in the history after the first {@code completed} sections. */
    public int generatedFramesAfter(int completed) {
        int frames = initialGeneratedFrames();
        for (int section = 0; section < completed; section++) {
            frames += addedFrames(section);
        }
        return frames;
    }

    /** The 1× (start latent first), 2× and 4× context latents of the next section. */
    abstract ContextLatents context(NDArray history, NDArray startLatent);

    /** The history after section {@code section} produced {@code sampled}; also says how many frames it added. */
    abstract Extension extend(NDArray history, NDArray sampled, NDArray startLatent, int section);

    /** The generated frames of the history, in video order. */
    abstract NDArray generated(NDArray history, int generatedFrames);

    /** The latents to decode after section {@code section} when earlier pixels exist. */
    abstract NDArray decodeSlice(NDArray generated, int section);

    /** A section's decode {@code current} blended with the earlier pixels (at least the overlap at the growing end). */
    abstract NDArray mergePixels(NDArray earlierPixels, NDArray current);

    /** Context latents of one section. {@code clean} is {@code [start, 1× neighbour]}. */
    record ContextLatents(NDArray clean, NDArray clean2x, NDArray clean4x) {
    }

    /** A grown history and the number of generated frames added. */
    record Extension(NDArray history, int addedFrames) {
    }

    static NDArray frames(NDArray latents, long from, long to) {
        return latents.get(new NDIndex().addAllDim(TIME_AXIS).addSliceDim(from, to));
    }

    static long frameCount(NDArray latents) {
        return latents.getShape().get(TIME_AXIS);
    }

    /** Splits 19 consecutive context frames into the pieces of lengths {@code sizes}. */
    static NDArray[] split(NDArray contextFrames, int... sizes) {
        NDArray[] pieces = new NDArray[sizes.length];
        long from = 0;
        for (int i = 0; i < sizes.length; i++) {
            pieces[i] = frames(contextFrames, from, from + sizes[i]);
            from += sizes[i];
        }
        return pieces;
    }
}
