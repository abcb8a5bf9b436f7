package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import static io.framepack.worker.pipeline.SectionSchedule.TIME_AXIS;
import static io.framepack.worker.pipeline.SectionSchedule.frameCount;
import static io.framepack.worker.pipeline.SectionSchedule.frames;

/**
 * The official {@code soft_append_bcthw}: joins two decoded clips {@code [1,3,F,H,W]} whose last
 * / first {@code overlap} frames show the same latents, cross-fading linearly from the first clip
 * to the second. The arithmetic runs in the clips' dtype on their device with one rounding per
 * operation, like PyTorch's fp16 CPU ops ({@code w·a}, {@code 1 − w}, {@code (1 − w)·b}, sum).
 */
public final class SoftAppend {
    private SoftAppend() {
    }

    /**
     * @param first   the clip kept at the start (weight 1 on the first overlapping frame)
     * @param second  the clip kept at the end (weight 1 on the last overlapping frame)
     * @param overlap frames both clips show; 0 just concatenates
     */
    public static NDArray softAppend(NDArray first, NDArray second, int overlap) {
        long firstFrames = frameCount(first);
        long secondFrames = frameCount(second);
        if (overlap < 0 || overlap > firstFrames || overlap > secondFrames) {
            throw new IllegalArgumentException("overlap " + overlap + " for clips of " + firstFrames + " and "
                    + secondFrames + " frames");
        }
        if (overlap == 0) {
            return first.concat(second, TIME_AXIS);
        }
        // linspace(1, 0, overlap) in the clip dtype; for the official overlap of 33 every weight is k/32, exact in fp16.
        NDArray weights = first.getManager().linspace(1f, 0f, overlap).toType(first.getDataType(), false)
                .reshape(1, 1, overlap, 1, 1);
        NDArray firstTail = frames(first, firstFrames - overlap, firstFrames);
        NDArray secondHead = frames(second, 0, overlap);
        NDArray blended = weights.mul(firstTail).add(weights.neg().add(1f).mul(secondHead));
        NDList parts = new NDList();
        if (firstFrames > overlap) {
            parts.add(frames(first, 0, firstFrames - overlap));
        }
        parts.add(blended);
        if (secondFrames > overlap) {
            parts.add(frames(second, overlap, secondFrames));
        }
        return NDArrays.concat(parts, TIME_AXIS);
    }
}
