package io.framepack.worker.runtime;

import ai.djl.ndarray.NDArray;
import io.framepack.worker.pipeline.VideoFrames;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;

import java.util.List;

/**
 * An open render, as a {@link Renderer} hands it to the runtime: sections run one at a time, and
 * between sections the whole state can be taken out and put back bit-exactly. Implemented over the
 * FramePack section loop ({@link FramePackSession}).
 *
 * <p>Contract: a section aborted by its step callback leaves the state exactly as after the last
 * finished section, so a snapshot then is still a valid checkpoint.
 */
public interface RenderSession extends AutoCloseable {

    int sectionsTotal();

    int stepsPerSection();

    int sectionsCompleted();

    /** Called after every sampler step; throwing aborts the section. */
    @FunctionalInterface
    interface StepCallback {
        void onStep(int section, int step, int steps);
    }

    /** What a finished section produced. */
    record SectionResult(int section, int frames, NDArray preview) {
    }

    /** Runs the next section. The preview, if any, is a latent preview {@code [1,3,T,h,w]} in [0, 1]. */
    SectionResult runNextSection(StepCallback steps);

    /**
     * The state after the last finished section, as the checkpoint of job {@code identity} whose
     * sections took {@code sectionSeconds}; its tensors read the live state, valid until the next section.
     */
    Checkpoint snapshot(CheckpointIdentity identity, List<Double> sectionSeconds);

    /** Puts back a state taken by {@link #snapshot} (in this or an earlier process). */
    void restore(Checkpoint checkpoint);

    /** The video so far, as the 8-bit frames its MP4 is made of. */
    VideoFrames pixels();

    @Override
    void close();
}
