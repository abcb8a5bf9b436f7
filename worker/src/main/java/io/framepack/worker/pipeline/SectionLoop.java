package io.framepack.worker.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.sampling.FlowMatchDenoiser;
import io.framepack.worker.sampling.FlowMatchUniPc;
import io.framepack.worker.sampling.NoiseSource;
import io.framepack.worker.sampling.SigmaSchedule;
import io.framepack.worker.sampling.VelocityModel;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.text.PromptEmbedding;
import io.framepack.worker.transformer.TransformerInputs;

/**
 * The FramePack generation loop (the official demos' {@code worker}): section after section,
 * draw the section's noise, pack the context the schedule selects from the latent history,
 * sample K latent frames with UniPC, grow the history, decode the new part and blend it into the
 * video. All per-job data lives in a {@link SectionLoopState}, which this class only changes once
 * a section has completed, so a job can stop after any section and continue exactly from a saved
 * state. A job stops by a listener throwing (see {@link GenerationListener}).
 */
public final class SectionLoop {
    private static final int LATENT_CHANNELS = 16;

    private final SectionSchedule schedule;
    private final SamplingSettings settings;
    private final Conditioning conditioning;
    private final NoiseSource noise;
    private final EndFrame endFrame;
    private final TransformerVelocity model;
    private final Numerics numerics;
    private final VideoDecoder decoder;
    private final NDManager computeManager;
    private final FlowMatchUniPc sampler = new FlowMatchUniPc();

    /**
     * What a job asks for.
     *
     * @param schedule     its sections, their order and their context
     * @param sampling     how each section is sampled
     * @param conditioning each section's prompt (and negative prompt when {@code cfg ≠ 1}) and SigLIP states
     * @param noise        the job's noise, e.g. {@link io.framepack.worker.sampling.SeededNoise}
     * @param endFrame     the image the video ends on (inverted schedule only), or null
     */
    public record Job(SectionSchedule schedule, SamplingSettings sampling, Conditioning conditioning, NoiseSource noise,
                      EndFrame endFrame) {
        /** A job without an end frame. */
        public Job(SectionSchedule schedule, SamplingSettings sampling, Conditioning conditioning, NoiseSource noise) {
            this(schedule, sampling, conditioning, noise, null);
        }
    }

    /**
     * What computes a job.
     *
     * @param transformer the packed transformer as velocity model
     * @param numerics    the precision it computes in (the sampler rounds its inputs the same way)
     * @param decoder     the VAE's decode; null samples latents only (no pixel history)
     */
    public record Models(TransformerVelocity transformer, Numerics numerics, VideoDecoder decoder) {
    }

    /** @param computeManager where sampling runs (its device); the history stays on the CPU */
    public SectionLoop(Job job, Models models, NDManager computeManager) {
        if (job.conditioning().sectionPrompts().size() != job.schedule().sections()) {
            throw new IllegalArgumentException("the conditioning has prompts for " + job.conditioning().sectionPrompts().size()
                    + " sections, the schedule has " + job.schedule().sections());
        }
        if (job.endFrame() != null && !job.schedule().growsAtStart()) {
            // Neither reference has one: diffusers refuses last_image for F1, FramePack-Studio's F1 branch never runs.
            throw new IllegalArgumentException("an end frame needs inverted sampling (F1 renders forward from the start"
                    + " image and has no end to anchor)");
        }
        this.schedule = job.schedule();
        this.settings = job.sampling();
        this.conditioning = job.conditioning();
        this.noise = job.noise();
        this.endFrame = job.endFrame();
        this.model = models.transformer();
        this.numerics = models.numerics();
        this.decoder = models.decoder();
        this.computeManager = computeManager;
    }

    public SectionSchedule schedule() {
        return schedule;
    }

    /**
     * A fresh job state for the initial latents {@code [1,16,T,h,w]}: the VAE-encoded start image
     * ({@code T = 1}), or the video a {@link SectionSchedule#videoExtension} schedule continues.
     */
    public SectionLoopState start(NDArray initialLatents) {
        Shape shape = initialLatents.getShape();
        if (shape.dimension() != 5 || shape.get(1) != LATENT_CHANNELS || shape.get(2) != schedule.initialLatentFrames()) {
            throw new IllegalArgumentException("initial latents must be [1,16," + schedule.initialLatentFrames()
                    + ",h,w], got " + shape);
        }
        return SectionLoopState.initial(schedule, initialLatents, computeManager);
    }

    public boolean finished(SectionLoopState state) {
        return state.sectionsCompleted() >= schedule.sections();
    }

    /** Runs every remaining section. */
    public void run(SectionLoopState state, GenerationListener listener) {
        while (!finished(state)) {
            runSection(state, listener);
        }
    }

    /**
     * Generates the next section and advances {@code state}, then tells the listener. Whatever
     * the listener throws from {@link GenerationListener#onStep} abandons the section and leaves
     * {@code state} as it was.
     */
    public void runSection(SectionLoopState state, GenerationListener listener) {
        int section = state.sectionsCompleted();
        if (finished(state)) {
            throw new IllegalStateException("all " + schedule.sections() + " sections are done");
        }
        SectionSchedule.Extension extension;
        NDArray pixels;
        try (NDManager cpu = state.manager().newSubManager();
             NDManager device = computeManager.newSubManager()) {
            for (NDArray array : state.tensors().values()) {
                array.tempAttach(cpu);
            }
            if (endFrame != null) {
                endFrame.latent().tempAttach(cpu);
            }
            NDArray start = state.startLatent().toType(DataType.FLOAT32, false);
            Shape startShape = start.getShape();
            Shape latentShape = new Shape(startShape.get(0), LATENT_CHANNELS, schedule.window(), startShape.get(3),
                    startShape.get(4));
            NDArray sectionNoise = noise.draw(section, latentShape, device);

            NDArray sampled = sample(section, sectionNoise, context(state, start, section), device, listener);
            requireFinite(sampled, section, "latents");
            NDArray sampledCpu = sampled.toDevice(Device.cpu(), false);
            sampledCpu.attach(cpu);
            extension = schedule.extend(state.historyLatents(), sampledCpu, start, section);
            pixels = decoder == null ? null : decode(state, extension, section, cpu);
            extension.history().attach(state.manager());
            if (pixels != null) {
                pixels.attach(state.manager());
            }
        }
        state.advance(extension.history(), extension.addedFrames(), pixels);
        listener.onSectionDone(section, schedule.sections(), state);
    }

    /** The schedule's context for the next section, with the end frame where it enters. */
    private SectionSchedule.ContextLatents context(SectionLoopState state, NDArray start, int section) {
        SectionSchedule.ContextLatents context = schedule.context(state.historyLatents(), start);
        return endFrame == null ? context : endFrame.applyTo(context, section);
    }

    private NDArray sample(int section, NDArray sectionNoise, SectionSchedule.ContextLatents context, NDManager device,
                           GenerationListener listener) {
        SectionIndices indices = schedule.indices(section);
        NDArray latentIndices = SectionIndices.toArray(indices.latent(), device);
        TransformerInputs.PackedContext packed = packed(context, indices, device);
        NDArray guidance = FlowMatchDenoiser.guidance(settings.distilledGuidance(), numerics.precision(), device);
        VelocityModel positive = model.conditionedOn(latentIndices, packed, pass(conditioning.positive(section), guidance));
        VelocityModel negative = settings.cfg() == 1.0 ? null
                : model.conditionedOn(latentIndices, packed, pass(conditioning.negative(), guidance));
        FlowMatchDenoiser denoiser = new FlowMatchDenoiser(positive, negative, settings.cfg(), settings.cfgRescale(),
                numerics);

        Shape shape = sectionNoise.getShape();
        float[] sigmas = SigmaSchedule.sigmas(settings.steps(),
                SigmaSchedule.mu(SigmaSchedule.noisyTokens(shape.get(2), shape.get(3), shape.get(4))));
        model.startSection(settings.steps());
        return sampler.sample(sectionNoise, sigmas, denoiser,
                (step, x, denoised) -> listener.onStep(section, schedule.sections(), step, settings.steps(), denoised));
    }

    /** The schedule's context latents on the device, each with its token positions. */
    private static TransformerInputs.PackedContext packed(SectionSchedule.ContextLatents context, SectionIndices indices,
                                                          NDManager device) {
        return new TransformerInputs.PackedContext(clean(context.clean(), indices.clean(), device),
                clean(context.clean2x(), indices.clean2x(), device), clean(context.clean4x(), indices.clean4x(), device));
    }

    private static TransformerInputs.CleanLatents clean(NDArray latents, long[] indices, NDManager device) {
        return new TransformerInputs.CleanLatents(latents.toDevice(device.getDevice(), false),
                SectionIndices.toArray(indices, device));
    }

    /** One pass's conditioning: its prompt (positive or negative), the start image's SigLIP states, the guidance. */
    private TransformerInputs.Conditioning pass(PromptEmbedding prompt, NDArray guidance) {
        return new TransformerInputs.Conditioning(prompt.llamaStates(), prompt.llamaMask(), prompt.clipPooled(),
                conditioning.imageEmbeddings(), guidance);
    }

    /** The pixels this section adds: the first decode is the whole history, later ones a slice blended into the open frames. */
    private NDArray decode(SectionLoopState state, SectionSchedule.Extension extension, int section, NDManager cpu) {
        int generatedFrames = state.generatedLatentFrames() + extension.addedFrames();
        NDArray generated = schedule.generated(extension.history(), generatedFrames);
        if (state.pixels().isEmpty()) {
            return onCpu(requireFinite(decoder.decode(generated), section, "pixels"), cpu);
        }
        NDArray current = onCpu(requireFinite(decoder.decode(schedule.decodeSlice(generated, section)), section, "pixels"), cpu);
        // The blend reads only the open frames: the settled ones are not touched, let alone copied.
        return schedule.mergePixels(state.pixels().open(), current);
    }

    /**
     * One reduction per section: a sum is finite only if every value is (latents and pixels are
     * small, so a finite sum cannot overflow).
     *
     * @throws NonFiniteValuesException before the values reach the state, a checkpoint or the video
     */
    private static NDArray requireFinite(NDArray values, int section, String what) {
        float sum;
        try (NDArray total = values.sum(); NDArray widened = total.toType(DataType.FLOAT32, false)) {
            sum = widened.getFloat();
        }
        if (!Float.isFinite(sum)) {
            throw new NonFiniteValuesException("section " + section + " computed non-finite " + what
                    + " (NaN or infinity): the model's weights or the settings give no usable numbers");
        }
        return values;
    }

    private static NDArray onCpu(NDArray array, NDManager cpu) {
        NDArray placed = array.toDevice(Device.cpu(), false);
        placed.attach(cpu);
        return placed;
    }
}
