package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * FramePack-Studio's forward video extension ("Video F1": {@code modules/generators/video_f1_generator.py}):
 * F1 sections continue a video whose VAE latents are the whole initial history, without padding;
 * the start latent is the video's last latent, and no latent of it counts as generated, so the
 * decoded pixels are the new frames only. Its context differs from F1's: {@code cleanedFrames − 1}
 * frames at 1× (Studio's "number of context frames", 5 by default; 2 is F1's one frame), then up to
 * 2 at 2× and 16 at 4×, each count cut down while the history is short, read from its back.
 *
 * <p>One difference, on purpose: Studio gives a short history fewer noisy positions than the
 * window ({@code adjusted_latent_frames}) while it still samples K latents; here the window always
 * has its K positions, right after the context's.
 */
public final class VideoExtensionSchedule extends F1Schedule {
    /** The fewest video latents whose context fills every part (1×, 2×, 4×) with at least one frame. */
    public static final int MIN_VIDEO_LATENT_FRAMES = 3;
    /** FramePack-Studio's range of the setting: its slider ends at 10 (27 latents are encoded for it). */
    public static final int MIN_CLEANED_FRAMES = 2;
    public static final int MAX_CLEANED_FRAMES = 10;
    public static final int DEFAULT_CLEANED_FRAMES = 5;

    /** Latents FramePack-Studio encodes at most: enough context for 10 cleaned frames (16 + 2 + 9). */
    public static final int MAX_ENCODED_LATENT_FRAMES = 27;

    private final int videoLatentFrames;
    private final int cleanedFrames;

    VideoExtensionSchedule(int sections, int window, int videoLatentFrames, int cleanedFrames) {
        super(sections, window);
        if (videoLatentFrames < MIN_VIDEO_LATENT_FRAMES) {
            throw new IllegalArgumentException("a video to extend needs at least " + MIN_VIDEO_LATENT_FRAMES
                    + " latent frames (" + 4 * MIN_VIDEO_LATENT_FRAMES + " video frames), got " + videoLatentFrames);
        }
        if (cleanedFrames < MIN_CLEANED_FRAMES || cleanedFrames > MAX_CLEANED_FRAMES) {
            throw new IllegalArgumentException("the video's context frames must be " + MIN_CLEANED_FRAMES + " to "
                    + MAX_CLEANED_FRAMES + ", got " + cleanedFrames);
        }
        this.videoLatentFrames = videoLatentFrames;
        this.cleanedFrames = cleanedFrames;
    }

    /**
     * The video frames FramePack-Studio encodes of {@code videoFrames}: the last
     * {@code min(T, 4·27)}, cut down to a multiple of 4 ({@code min_real_frames_to_encode}).
     */
    public static int encodedFrames(int videoFrames) {
        return Math.min(videoFrames, 4 * MAX_ENCODED_LATENT_FRAMES) / 4 * 4;
    }

    /** How many history frames each context part of a section takes (Studio's counts). */
    record ContextCounts(int clean1x, int clean2x, int clean4x) {
        int total() {
            return clean1x + clean2x + clean4x;
        }
    }

    /**
     * Studio's counts for a history of {@code available} frames: 1× first, then 2×, then 4×, each
     * at least one while frames remain (always, from {@link #MIN_VIDEO_LATENT_FRAMES} on).
     */
    ContextCounts counts(int available) {
        int clean1x = Math.min(cleanedFrames - 1, available - 2);
        int clean2x = Math.min(2, available - clean1x - 1);
        int clean4x = Math.min(16, available - clean1x - clean2x);
        return new ContextCounts(clean1x, clean2x, clean4x);
    }

    private int availableFrames(int section) {
        return videoLatentFrames + section * window();
    }

    /** Positions {@code [start, 4×, 2×, 1×, K]} counted over the context the history holds before the section. */
    @Override
    public SectionIndices indices(int section) {
        ContextCounts counts = counts(availableFrames(section));
        long clean4x = 1;
        long clean2x = clean4x + counts.clean4x();
        long clean1x = clean2x + counts.clean2x();
        long window = clean1x + counts.clean1x();
        long[] clean = new long[1 + counts.clean1x()];
        System.arraycopy(SectionIndices.range(clean1x, counts.clean1x()), 0, clean, 1, counts.clean1x());
        return new SectionIndices(SectionIndices.range(window, window()), clean,
                SectionIndices.range(clean2x, counts.clean2x()), SectionIndices.range(clean4x, counts.clean4x()));
    }

    @Override
    public int initialLatentFrames() {
        return videoLatentFrames;
    }

    /** The video's last latent. */
    @Override
    NDArray startLatentOf(NDArray videoLatents) {
        long frames = frameCount(videoLatents);
        return frames(videoLatents, frames - 1, frames);
    }

    /** The video's latents as they are: no padding. */
    @Override
    NDArray initialHistory(NDArray videoLatents) {
        if (frameCount(videoLatents) != videoLatentFrames) {
            throw new IllegalArgumentException("the schedule extends " + videoLatentFrames + " video latents, got "
                    + videoLatents.getShape());
        }
        return videoLatents;
    }

    @Override
    int initialGeneratedFrames() {
        return 0;
    }

    @Override
    public int historyFramesAfter(int completed) {
        return videoLatentFrames + generatedFramesAfter(completed);
    }

    /** 4×, 2× and 1× from the back of the history (Studio pads a single 4× or 2× frame by repeating it: the transformer's own replicate padding gives the same tokens). */
    @Override
    ContextLatents context(NDArray history, NDArray startLatent) {
        long end = frameCount(history);
        ContextCounts counts = counts((int) end);
        NDArray[] pieces = split(frames(history, end - counts.total(), end), counts.clean4x(), counts.clean2x(),
                counts.clean1x());
        return new ContextLatents(startLatent.concat(pieces[2], TIME_AXIS), pieces[1], pieces[0]);
    }
}
