package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The image a video ends on, for the inverted schedule only. Placed as diffusers'
 * {@code HunyuanVideoFramepackPipeline} places {@code last_image}: the first section generated
 * (the video's end) takes the end latent as its 1× context, in place of the empty history frame
 * beside the window; the history itself is not changed, so later sections never see it. The
 * strength is FramePack-Studio's: the latent is multiplied by it ({@code end_latent * strength}),
 * 1 leaving it unchanged, as diffusers has it. FramePack-Studio also keeps the scaled latent in
 * the history, where later sections read it as 2×/4× context; this placement does not (see the
 * operator reference).
 *
 * @param latent   the VAE-encoded end image {@code [1,16,1,h,w]}, the start latent's size
 * @param strength 0 to 1
 */
public record EndFrame(NDArray latent, double strength) {
    public EndFrame {
        if (latent.getShape().dimension() != 5 || latent.getShape().get(2) != 1) {
            throw new IllegalArgumentException("end latent must be [1,16,1,h,w], got " + latent.getShape());
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("end frame strength must be between 0 and 1, got " + strength);
        }
    }

    /**
     * The context of section {@code section} with the end frame: the first section's 1× neighbour
     * is the scaled end latent, every other section's context is {@code context} as it is. The
     * arrays made here belong to the manager of {@link #latent()}.
     */
    SectionSchedule.ContextLatents applyTo(SectionSchedule.ContextLatents context, int section) {
        if (section != 0) {
            return context;
        }
        NDArray start = SectionSchedule.frames(context.clean(), 0, SectionSchedule.CONTEXT_1X);
        if (!latent.getShape().equals(start.getShape())) {
            throw new IllegalArgumentException("end latent " + latent.getShape() + " and start latent "
                    + start.getShape() + " differ in size: the end image must be resized to the start image's bucket");
        }
        NDArray end = latent.toDevice(start.getDevice(), false).toType(DataType.FLOAT32, false);
        NDArray neighbour = strength == 1 ? end : end.mul((float) strength);
        return new SectionSchedule.ContextLatents(start.concat(neighbour, SectionSchedule.TIME_AXIS),
                context.clean2x(), context.clean4x());
    }
}
