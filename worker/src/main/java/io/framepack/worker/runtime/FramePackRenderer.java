package io.framepack.worker.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.WorkerProgress;
import io.framepack.worker.image.Bucket;
import io.framepack.worker.image.ImageDecoder;
import io.framepack.worker.image.ImageInputException;
import io.framepack.worker.image.RgbImage;
import io.framepack.worker.image.SiglipPreprocessor;
import io.framepack.worker.image.SiglipVisionConfig;
import io.framepack.worker.image.SiglipVisionEncoder;
import io.framepack.worker.image.StartImage;
import io.framepack.worker.lora.LoraException;
import io.framepack.worker.lora.LoraFile;
import io.framepack.worker.lora.LoraMerge;
import io.framepack.worker.model.Component;
import io.framepack.worker.model.ModelDirectory;
import io.framepack.worker.model.ModelDirectoryException;
import io.framepack.worker.pipeline.Conditioning;
import io.framepack.worker.pipeline.EndFrame;
import io.framepack.worker.pipeline.SectionLoop;
import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.pipeline.VideoExtensionSchedule;
import io.framepack.worker.pipeline.TransformerVelocity;
import io.framepack.worker.prompt.PromptTimeline;
import io.framepack.worker.runtime.input.Mp4Frames;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.progress.ProgressListener;
import io.framepack.worker.sampling.SeededNoise;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.text.ClipPromptTokenizer;
import io.framepack.worker.text.ClipTextConfig;
import io.framepack.worker.text.ClipTextEncoder;
import io.framepack.worker.text.LlamaConfig;
import io.framepack.worker.text.LlamaPromptTokenizer;
import io.framepack.worker.text.LlamaTextEncoder;
import io.framepack.worker.text.PromptEmbedding;
import io.framepack.worker.text.PromptEncoder;
import io.framepack.worker.text.PromptTemplate;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.SpatialTiling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Opens a {@link FramePackSession} for a plan, as the official demo's job does before its
 * section loop: each distinct prompt through LLaMA and CLIP, start image into its bucket, through SigLIP and the
 * VAE encoder (an end image into the same bucket, through the VAE encoder), then the packed
 * transformer. The model directory has the layout of {@link Component} and is validated as a whole before anything is loaded, so a missing or
 * truncated file fails the job before any GPU work. Encoders are released before sampling starts.
 */
public final class FramePackRenderer implements Renderer {
    /** Mixed into the seed for the end image's posterior sample, so it does not repeat the start image's noise. */
    private static final long END_IMAGE_NOISE = 0x454e445f494d4147L; // "END_IMAG"

    /** The compute precision on every device, or null for the device's own: bfloat16 on a GPU, float32 on the CPU. */
    private final Precision precision;

    public FramePackRenderer() {
        this(null);
    }

    private FramePackRenderer(Precision precision) {
        this.precision = precision;
    }

    /**
     * A renderer that computes in {@code precision} whatever the device: the GPU's bfloat16 on the
     * CPU lets a machine without a GPU run the GPU's dtype path (the VAE keeps its device's dtype).
     */
    static FramePackRenderer computingIn(Precision precision) {
        return new FramePackRenderer(precision);
    }

    @Override
    public RenderSession open(RenderPlan plan, ProgressListener progress) throws IOException {
        RenderSettings settings = plan.settings();
        ModelDirectory models = validated(plan.resources().modelDir());
        Device device = device(plan.resources().device());
        // Read before anything is loaded: what this render may use of the device.
        MemoryPlan.Budget budget = MemoryPlan.Budget.of(plan.resources().gpuMemoryBytes(), device);
        Precision precision = this.precision != null ? this.precision
                : device.isGpu() ? Precision.BFLOAT16 : Precision.FLOAT32;
        List<RgbImage> videoFrames = plan.inputs().video() == null ? null
                : Mp4Frames.decode(plan.inputs().video().mp4(), Mp4Frames.Limits.DEFAULT,
                frame -> toRenderSize(frame, settings.resolution));
        List<RgbImage> encodedFrames = videoFrames == null ? null : encodedFrames(videoFrames);
        // SigLIP sees the start image, or the first frame of the video that is encoded (as FramePack-Studio).
        RgbImage image = videoFrames == null ? startImage(plan.inputs().startImage(), settings.resolution)
                : encodedFrames.get(0);
        RgbImage endImage = plan.inputs().endImage() == null ? null : endImage(plan.inputs().endImage(), image);
        SectionSchedule schedule = videoFrames == null ? plan.schedule() : plan.extensionSchedule(encodedFrames.size() / 4);
        NDManager manager = NDManager.newBaseManager(device);
        Kernels kernels = Kernels.load();
        try (SafetensorsWeights transformerWeights = SafetensorsWeights.open(models.path(Component.TRANSFORMER),
                precision, kernels)) {
            TransformerConfig transformerConfig = TransformerConfig.read(models.path(Component.TRANSFORMER)
                    .resolve("config.json"));
            // Read and matched against the transformer before any encoder runs: a LoRA that does not fit fails fast.
            LoraMerge loras = loras(plan.resources().loras(), transformerWeights, manager);
            MemoryPlan memory = MemoryPlan.choose(budget, encoderBytes(models, kernels),
                    parameterBytes(transformerWeights, precision), transformerConfig.innerDim(), image.height(),
                    image.width(), settings.latentWindowSize);
            String encoding = "Encoding the prompt and the " + (videoFrames == null ? "start image" : "input video");
            progress.on(new ProgressEvent.Phase(WorkerProgress.State.Encoding, memory.cpuEncoders()
                    ? encoding + " on the CPU (the encoders do not fit the GPU budget)" : encoding));
            PromptTimeline timeline = plan.promptTimeline(schedule);
            Encoded encoded = memory.cpuEncoders() ? encodedOnCpu(plan, timeline, models, image, precision, kernels,
                    manager) : encoded(plan, timeline, models, image, precision, kernels, manager);
            Conditioning conditioning = new Conditioning(SectionPrompts.of(timeline, encoded.prompts(),
                    schedule.sections()), encoded.negative(), encoded.imageEmbeddings());
            progress.on(new ProgressEvent.Phase(WorkerProgress.State.Loading, "Loading the VAE and the transformer"));
            HunyuanVideoVae vae = HunyuanVideoVae.open(models.path(Component.VAE), kernels, manager, true);
            vae.useSpatialTiling(memory.tiledVae() ? SpatialTiling.OFFICIAL : null);
            // The start latent, or the video's latents (their last is the start latent), from the job's seed.
            NDArray initialLatents = videoFrames == null
                    ? vae.encodeStartLatent(pixels(List.of(image), manager), false, settings.seed)
                    : vae.encodeVideoLatents(pixels(encodedFrames, manager), settings.seed);
            // The end image's posterior is sampled as the start image's, from a noise stream of its own.
            EndFrame endFrame = endImage == null ? null : new EndFrame(vae.encodeStartLatent(pixels(List.of(endImage), manager),
                    false, settings.seed ^ END_IMAGE_NOISE), plan.inputs().endImageStrength());
            PackedTransformer transformer = PackedTransformer.load(transformerWeights, loras, transformerConfig, kernels,
                    manager, memory.transformer());
            progress.on(new ProgressEvent.MemoryPlanned(memory.tier(),
                    memory.describe(transformer.residentBlocks(), transformer.blockCount())));
            SectionLoop loop = new SectionLoop(
                    new SectionLoop.Job(schedule, plan.sampling(), conditioning, new SeededNoise(settings.seed),
                            endFrame),
                    new SectionLoop.Models(new TransformerVelocity(transformer, plan.teaCacheThreshold()),
                            new Numerics(precision, kernels), vae::decode), manager);
            return new FramePackSession(loop, vae, initialLatents, videoFrames, settings.steps, manager,
                    warning -> progress.on(new ProgressEvent.Warning(warning)), () -> {
                transformer.close();
                vae.close();
                kernels.close();
                manager.close();
            });
        } catch (IOException | RuntimeException e) {
            // The arrays of whatever was built live in the manager; the kernel pack is its own native module.
            manager.close();
            kernels.close();
            if (e instanceof IllegalArgumentException) {
                throw new InvalidInputException(InvalidInputException.INPUT, "invalid render settings: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * The LoRAs as one merge, their factors on {@code manager}; a file that is no LoRA of this
     * transformer is the render's input error, naming the first key at fault.
     */
    private static LoraMerge loras(List<RenderPlan.Lora> loras, SafetensorsWeights transformer, NDManager manager)
            throws IOException {
        List<LoraMerge.ScaledLora> scaled = new ArrayList<>();
        try {
            for (RenderPlan.Lora lora : loras) {
                scaled.add(new LoraMerge.ScaledLora(LoraFile.read(lora.file(), manager), lora.scale()));
            }
            return LoraMerge.of(transformer.keys(), key -> new Shape(transformer.shape(key)), scaled);
        } catch (LoraException | TensorFormatException e) {
            throw new InvalidInputException(InvalidInputException.LORA, "LoRA: " + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(InvalidInputException.LORA, "LoRA file " + e.getFile() + " does not exist", e);
        }
    }

    /** The encoders' outputs: each distinct prompt of the timeline, the negative prompt, the image's SigLIP states. */
    private record Encoded(List<PromptEmbedding> prompts, PromptEmbedding negative, NDArray imageEmbeddings) {
    }

    private static Encoded encoded(RenderPlan plan, PromptTimeline timeline, ModelDirectory models, RgbImage image,
                                   Precision precision, Kernels kernels, NDManager manager) throws IOException {
        try (NDManager encoders = manager.newSubManager();
             PromptEncoder prompts = new PromptEncoder(
                     LlamaPromptTokenizer.open(models.path(Component.TOKENIZER), template(models),
                             LlamaPromptTokenizer.DEFAULT_MAX_PROMPT_TOKENS),
                     ClipPromptTokenizer.open(models.path(Component.TOKENIZER_2), ClipPromptTokenizer.DEFAULT_MAX_LENGTH));
             LlamaTextEncoder llama = load(models.path(Component.TEXT_ENCODER), kernels, weights ->
                     LlamaTextEncoder.load(weights, LlamaConfig.read(models.path(Component.TEXT_ENCODER).resolve("config.json")),
                             LlamaTextEncoder.HUNYUAN_SKIPPED_LAYERS, kernels, encoders));
             ClipTextEncoder clip = load(models.path(Component.TEXT_ENCODER_2), kernels, weights ->
                     ClipTextEncoder.load(weights, ClipTextConfig.read(models.path(Component.TEXT_ENCODER_2).resolve("config.json")),
                             kernels, encoders));
             SiglipVisionEncoder siglip = load(models.path(Component.IMAGE_ENCODER), kernels, weights ->
                     SiglipVisionEncoder.load(weights, SiglipVisionConfig.read(models.path(Component.IMAGE_ENCODER)
                             .resolve("config.json")), kernels, encoders))) {
            List<PromptEmbedding> positives = new ArrayList<>();
            for (String text : timeline.prompts()) {
                positives.add(prompts.encode(text, llama, clip, precision, kernels, manager));
            }
            PromptEmbedding first = positives.get(0);
            // As the demo: the negative prompt is only encoded for real CFG, zeros otherwise (and unused).
            PromptEmbedding negative = plan.settings().cfg != 1.0
                    ? prompts.encode(plan.inputs().negativePrompt(), llama, clip, precision, kernels, manager)
                    : PromptEncoder.zerosLike(first, precision, kernels);
            SiglipPreprocessor preprocessor = SiglipPreprocessor.read(
                    models.path(Component.FEATURE_EXTRACTOR).resolve("preprocessor_config.json"));
            NDArray imageStates = siglip.encode(preprocessor.pixelValues(image, encoders));
            imageStates.attach(manager);
            return new Encoded(List.copyOf(positives), negative, imageStates);
        }
    }

    /**
     * The encoders' outputs computed on the CPU, then copied to {@code manager}'s device: for
     * budgets that cannot hold the float32 text encoder (LLaMA 8B: 32 GB).
     */
    private static Encoded encodedOnCpu(RenderPlan plan, PromptTimeline timeline, ModelDirectory models, RgbImage image,
                                        Precision precision, Kernels kernels, NDManager manager) throws IOException {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            Encoded onCpu = encoded(plan, timeline, models, image, precision, kernels, cpu);
            NDArray probe = manager.zeros(new Shape(1));
            UnaryOperator<NDArray> toDevice = x -> {
                NDArray copy = kernels.copyToDeviceOf(x, probe);
                copy.attach(manager);
                return copy;
            };
            return new Encoded(onCpu.prompts().stream().map(p -> onDevice(p, toDevice)).toList(),
                    onDevice(onCpu.negative(), toDevice), toDevice.apply(onCpu.imageEmbeddings()));
        }
    }

    private static PromptEmbedding onDevice(PromptEmbedding prompt, UnaryOperator<NDArray> toDevice) {
        return new PromptEmbedding(toDevice.apply(prompt.llamaStates()), toDevice.apply(prompt.llamaMask()),
                toDevice.apply(prompt.clipPooled()), prompt.truncated());
    }

    /** Bytes of the three encoders' weights as the worker loads them (float32). */
    private static long encoderBytes(ModelDirectory models, Kernels kernels) throws IOException {
        long bytes = 0;
        for (Component encoder : List.of(Component.TEXT_ENCODER, Component.TEXT_ENCODER_2, Component.IMAGE_ENCODER)) {
            try (SafetensorsWeights weights = SafetensorsWeights.open(models.path(encoder), Precision.FLOAT32, kernels)) {
                bytes += parameterBytes(weights, Precision.FLOAT32);
            }
        }
        return bytes;
    }

    /** Bytes of every tensor of a checkpoint in {@code precision}, from the headers alone. */
    private static long parameterBytes(SafetensorsWeights weights, Precision precision) {
        long values = 0;
        for (String key : weights.keys()) {
            values += Arrays.stream(weights.shape(key)).reduce(1, Math::multiplyExact);
        }
        return values * (precision == Precision.FLOAT32 ? Float.BYTES : 2);
    }

    /**
     * HunyuanVideo's chat template, unless {@code tokenizer/framepack_prompt_template.json}
     * ({@code template} with {@code {}} for the prompt, {@code cropStart}) gives one that fits
     * another tokenizer, as the demo model's does.
     */
    private static PromptTemplate template(ModelDirectory models) throws IOException {
        Path custom = models.path(Component.TOKENIZER).resolve("framepack_prompt_template.json");
        if (!Files.isRegularFile(custom)) {
            return PromptTemplate.HUNYUAN_VIDEO;
        }
        JsonNode json = new ObjectMapper().readTree(custom.toFile());
        return new PromptTemplate(json.path("template").asText(), json.path("cropStart").asInt());
    }

    @FunctionalInterface
    private interface Loader<T> {
        T load(SafetensorsWeights weights) throws IOException;
    }

    /** Loads a component; weights are copied while loading, so the files close right after. */
    private static <T> T load(Path dir, Kernels kernels, Loader<T> loader) throws IOException {
        try (SafetensorsWeights weights = SafetensorsWeights.open(dir, Precision.FLOAT32, kernels)) {
            return loader.load(weights);
        }
    }

    /**
     * The start image in its bucket: the official 640 table, or for another resolution (the tiny
     * demo model) the 640 bucket scaled to it, in multiples of 16 pixels.
     */
    static RgbImage startImage(byte[] bytes, int resolution) {
        RgbImage decoded = decoded(bytes, "the start image");
        return toRenderSize(decoded, resolution);
    }

    /** An image (the start image, a frame of the input video) resized and cropped into its bucket at {@code resolution}. */
    public static RgbImage toRenderSize(RgbImage decoded, int resolution) {
        if (resolution == 640) {
            return StartImage.toBucket(decoded);
        }
        Bucket bucket = Bucket.nearest(decoded.height(), decoded.width());
        int width = Math.max(16, bucket.width() * resolution / 640 / 16 * 16);
        int height = Math.max(16, bucket.height() * resolution / 640 / 16 * 16);
        return StartImage.resizeAndCenterCrop(decoded, width, height);
    }

    /**
     * The end image in the start image's bucket (its latent must have the start latent's size), cut
     * as the start image is: diffusers and FramePack-Studio both resize it to the start's size.
     */
    static RgbImage endImage(byte[] bytes, RgbImage start) {
        return StartImage.resizeAndCenterCrop(decoded(bytes, "the end image"), start.width(), start.height());
    }

    private static RgbImage decoded(byte[] bytes, String what) {
        try {
            return new ImageDecoder().decode(bytes, what);
        } catch (ImageInputException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, e.getMessage(), e);
        }
    }

    /**
     * The frames of the input video the VAE encodes, as FramePack-Studio: the last
     * {@code min(T, 108)}, cut down to a multiple of 4.
     */
    private static List<RgbImage> encodedFrames(List<RgbImage> frames) {
        int encoded = VideoExtensionSchedule.encodedFrames(frames.size());
        int needed = 4 * VideoExtensionSchedule.MIN_VIDEO_LATENT_FRAMES;
        if (encoded < needed) {
            throw new InvalidInputException(InvalidInputException.INPUT, "the input video has " + frames.size()
                    + " frames; extending one needs at least " + needed + " (its context: "
                    + VideoExtensionSchedule.MIN_VIDEO_LATENT_FRAMES + " latent frames of 4 each)");
        }
        return frames.subList(frames.size() - encoded, frames.size());
    }

    /** Pixels {@code [1,3,T,H,W]} of frames of one size: {@code u8 / 127.5 − 1} in float32, as the demo feeds the VAE. */
    static NDArray pixels(List<RgbImage> frames, NDManager manager) {
        RgbImage first = frames.get(0);
        int plane = first.width() * first.height();
        int count = frames.size();
        float[] values = new float[Math.multiplyExact(3 * count, plane)];
        for (int t = 0; t < count; t++) {
            byte[] rgb = frames.get(t).pixels();
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    values[(c * count + t) * plane + i] = (rgb[i * 3 + c] & 0xFF) / 127.5f - 1f;
                }
            }
        }
        return manager.create(values, new Shape(1, 3, count, first.height(), first.width()));
    }

    /** Every component checked (files, headers, shapes against configs) before anything is loaded. */
    private static ModelDirectory validated(Path root) {
        try {
            return ModelDirectory.at(root).validate();
        } catch (ModelDirectoryException e) {
            throw new InvalidInputException(InvalidInputException.MODEL, e.getMessage(), e);
        }
    }

    private static Device device(String requested) {
        int gpus = ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
        if (requested == null || requested.isBlank()) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        return switch (requested) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (gpus == 0) {
                    throw new InvalidInputException(InvalidInputException.INPUT, "device gpu asked for, but libtorch sees no GPU"
                            + " (no CUDA device visible, or a CPU-only libtorch); use device cpu or a machine with a GPU");
                }
                yield Device.gpu();
            }
            default -> throw new InvalidInputException(InvalidInputException.INPUT, "device must be cpu or gpu, got " + requested);
        };
    }
}
