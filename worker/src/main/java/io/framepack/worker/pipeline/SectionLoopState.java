package io.framepack.worker.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the section loop carries from one section to the next, and so everything a
 * checkpoint must hold to continue a job exactly (what the official demo's {@code worker} carries
 * across its section loop: lllyasviel/FramePack, {@code demo_gradio.py}): the latent history
 * (float32, including its 19 zero padding frames), the start latent (bits as given: it cannot be recomputed), the decoded
 * video so far (its blends cannot be recomputed from the latents: a {@link PixelHistory}, its settled frames in 8 bits),
 * and the sections completed.
 * That count is the whole of the rest: the schedule says how many latent frames it generated,
 * and it is the noise generator's position, each section drawing exactly one noise tensor of the
 * same shape.
 *
 * <p>All arrays live on the CPU in a manager owned by this object; {@link #close()} frees them.
 * A state is only changed by the loop after a section has completed, so it is consistent
 * whenever the loop is not inside {@code runSection}.
 */
public final class SectionLoopState implements AutoCloseable {
    public static final String START_LATENT = "start_latent";
    public static final String HISTORY_LATENTS = "history_latents";
    /** The frames the next blend rewrites, as decoded: {@link PixelHistory#open()}. */
    public static final String OPEN_PIXELS = "open_pixels";
    /** All other frames of the video, uint8 {@code [1,3,F,H,W]}; saved only where there are some. */
    public static final String SETTLED_PIXELS = "settled_pixels";
    /** The whole decoded video as checkpoints before format 6 held it, read on restore. */
    public static final String LEGACY_HISTORY_PIXELS = "history_pixels";

    private final NDManager manager;
    private final NDArray startLatent;
    private NDArray historyLatents;
    private final PixelHistory pixels;
    private int sectionsCompleted;
    private int generatedLatentFrames;

    private SectionLoopState(SectionSchedule schedule, NDManager manager, NDArray startLatent, NDArray historyLatents,
                             int sectionsCompleted, int generatedLatentFrames) {
        this.manager = manager;
        this.startLatent = startLatent;
        this.historyLatents = historyLatents;
        this.pixels = new PixelHistory(schedule, manager);
        this.sectionsCompleted = sectionsCompleted;
        this.generatedLatentFrames = generatedLatentFrames;
    }

    /**
     * The state before the first section of {@code schedule}, for its initial latents
     * {@code [1,16,T,h,w]}: the start latent ({@code T = 1}) or the latents of the video it extends.
     */
    static SectionLoopState initial(SectionSchedule schedule, NDArray initialLatents, NDManager parent) {
        NDManager manager = parent.newSubManager(Device.cpu());
        NDArray initial = initialLatents.toDevice(manager.getDevice(), true);
        initial.attach(manager);
        NDArray start = initial;
        if (schedule.initialLatentFrames() > 1) {
            // The start latent is one frame of the video's: the state keeps a copy of its own.
            try (NDArray view = schedule.startLatentOf(initial)) {
                start = view.duplicate();
            }
            start.attach(manager);
        }
        NDArray initial32 = initial.toType(DataType.FLOAT32, true);
        NDArray history = schedule.initialHistory(initial32);
        if (history != initial32) {
            initial32.close();
        }
        if (start != initial) {
            initial.close();
        }
        return new SectionLoopState(schedule, manager, start, history, 0, schedule.initialGeneratedFrames());
    }

    /**
     * A state saved as {@link #tensors()} after {@code sections} sections, checked for consistency
     * with {@code schedule}: the pixels as {@link #OPEN_PIXELS} with {@link #SETTLED_PIXELS} (none
     * before the first section), or as {@link #LEGACY_HISTORY_PIXELS}. The arrays are copied into a
     * CPU manager owned by the new state, except the settled pixels (the bulk of a long video), which
     * it takes over.
     *
     * @throws IllegalArgumentException when anything is missing or the pieces do not fit together
     */
    public static SectionLoopState restore(SectionSchedule schedule, Map<String, NDArray> tensors, int sections,
                                           NDManager parent) {
        if (sections < 0 || sections > schedule.sections()) {
            throw new IllegalArgumentException("saved state completed " + sections + " sections; the job has "
                    + schedule.sections());
        }
        NDArray start = requiredTensor(tensors, START_LATENT);
        NDArray history = requiredTensor(tensors, HISTORY_LATENTS);
        int frames = schedule.generatedFramesAfter(sections);
        long historyFrames = SectionSchedule.frameCount(history);
        // The latents must be what the schedule makes of that many sections, or a resume would skip or repeat some.
        long notGenerated = schedule.historyFramesAfter(0) - schedule.generatedFramesAfter(0);
        if (historyFrames != notGenerated + frames) {
            throw new IllegalArgumentException("saved latent history holds " + (historyFrames - notGenerated)
                    + " generated frames, but " + sections + " completed sections of this job make " + frames);
        }
        if (history.getDataType() != DataType.FLOAT32 || start.getShape().get(SectionSchedule.TIME_AXIS) != 1) {
            throw new IllegalArgumentException("saved latents do not fit together: history " + history.getDataType()
                    + " " + history.getShape() + ", start " + start.getShape());
        }
        NDArray legacyPixels = tensors.get(LEGACY_HISTORY_PIXELS);
        NDArray open = tensors.get(OPEN_PIXELS);
        NDArray settled = tensors.get(SETTLED_PIXELS);
        checkPixels(schedule, legacyPixels, open, settled, sections, frames);
        NDManager manager = parent.newSubManager(Device.cpu());
        SectionLoopState state = new SectionLoopState(schedule, manager, copy(start, manager), copy(history, manager),
                sections, frames);
        if (legacyPixels != null) {
            // The same split as the sections that saved them would have made now.
            state.pixels.advance(copy(legacyPixels, manager));
        } else if (open != null) {
            state.pixels.restore(open, settled);
        }
        return state;
    }

    /** Saved pixels are one form or the other, and as many frames as {@code frames} latent frames decode to. */
    private static void checkPixels(SectionSchedule schedule, NDArray legacy, NDArray open, NDArray settled,
                                    int sections, int frames) {
        if (legacy == null && open == null && settled == null) {
            return;
        }
        long expected = 4L * frames - 3;
        if (legacy != null) {
            if (open != null || settled != null || sections == 0 || SectionSchedule.frameCount(legacy) != expected) {
                throw new IllegalArgumentException("saved pixels " + legacy.getShape() + " do not fit " + sections
                        + " completed sections of " + frames + " latent frames");
            }
            return;
        }
        long openFrames = open == null ? 0 : SectionSchedule.frameCount(open);
        long settledFrames = settled == null ? 0 : SectionSchedule.frameCount(settled);
        if (open == null || sections == 0 || openFrames != Math.min(schedule.overlapPixelFrames(), expected)
                || openFrames + settledFrames != expected) {
            throw new IllegalArgumentException("saved pixels (" + openFrames + " open, " + settledFrames
                    + " settled frames) do not fit " + sections + " completed sections of " + frames + " latent frames");
        }
    }

    /**
     * The arrays to checkpoint besides the settled pixels ({@link #pixels()} holds those), by name
     * (the open pixels only once the first section is decoded). Valid until the next section.
     */
    public Map<String, NDArray> tensors() {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put(START_LATENT, startLatent);
        tensors.put(HISTORY_LATENTS, historyLatents);
        if (!pixels.isEmpty()) {
            tensors.put(OPEN_PIXELS, pixels.open());
        }
        return tensors;
    }

    /**
     * Frames of tensor {@code name} at the end of the time axis opposite to where sections add
     * frames ({@link SectionSchedule#growsAtStart()}) that no later section changes: all latents
     * (sections only add frames), all settled pixels, no open pixels (the next blend rewrites them), no start latent.
     */
    public int settledFrames(String name) {
        return switch (name) {
            case HISTORY_LATENTS -> (int) SectionSchedule.frameCount(historyLatents);
            case SETTLED_PIXELS -> pixels.settledFrames();
            case OPEN_PIXELS, START_LATENT -> 0;
            default -> throw new IllegalArgumentException("no tensor " + name);
        };
    }

    /** The start latent {@code [1,16,1,h,w]} in the dtype it was given. */
    public NDArray startLatent() {
        return startLatent;
    }

    /** float32 {@code [1,16,19+n,h,w]}: the n generated frames plus 19 zero padding frames. */
    public NDArray historyLatents() {
        return historyLatents;
    }

    /** The generated latent frames in video order {@code [1,16,n,h,w]} (the start latent included once it is part of the video). */
    public NDArray generatedLatents(SectionSchedule schedule) {
        return schedule.generated(historyLatents, generatedLatentFrames);
    }

    /** The decoded video so far, {@code 4n−3} frames; empty before the first section. */
    public PixelHistory pixels() {
        return pixels;
    }

    public int sectionsCompleted() {
        return sectionsCompleted;
    }

    public int generatedLatentFrames() {
        return generatedLatentFrames;
    }

    /** Position of the job's noise generator: draws made so far, one per completed section. */
    public int noiseDraws() {
        return sectionsCompleted;
    }

    /**
     * Records a completed section: takes ownership of the new arrays and frees the old ones.
     *
     * @param joinedPixels the open pixels blended with the section's decode (or the first decode), null without a decoder
     */
    void advance(NDArray newHistoryLatents, int addedFrames, NDArray joinedPixels) {
        NDArray oldLatents = historyLatents;
        newHistoryLatents.attach(manager);
        historyLatents = newHistoryLatents;
        if (joinedPixels != null) {
            pixels.advance(joinedPixels);
        }
        generatedLatentFrames += addedFrames;
        sectionsCompleted++;
        oldLatents.close();
    }

    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }

    private static NDArray requiredTensor(Map<String, NDArray> tensors, String name) {
        NDArray value = tensors.get(name);
        if (value == null) {
            throw new IllegalArgumentException("saved state lacks tensor " + name);
        }
        return value;
    }

    private static NDArray copy(NDArray array, NDManager manager) {
        NDArray copy = array.toDevice(manager.getDevice(), true);
        copy.attach(manager);
        return copy;
    }
}
