package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.pipeline.VideoExtensionSchedule;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.TensorDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static io.framepack.worker.ParityAssert.relativeMaxError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The VAE against the official diffusers model: encode posterior, decode (plain and temporally tiled), preview;
 * and a video's batched encode against FramePack-Studio's.
 */
class VaeParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final GoldenCases GOLDENS = GoldenCases.load();
    private static final String VIDEO_CASE = "video_extension_case";
    private static final Path VIDEO_CASE_FILE = Path.of("src/test/resources/goldens/creative/" + VIDEO_CASE + ".safetensors");
    private static NDManager manager;
    private static HunyuanVideoVae vae;

    @BeforeAll
    static void loadVae() throws IOException {
        manager = NDManager.newBaseManager();
        VaeConfig config = VaeConfig.read(GOLDENS.file("vae_config.json"));
        try (SafetensorsWeights weights = SafetensorsWeights.open(GOLDENS.file("vae.safetensors"), Precision.FLOAT32,
                new DjlKernels())) {
            vae = HunyuanVideoVae.load(weights, config, DataType.FLOAT32, new DjlKernels(), manager, true);
        }
    }

    @AfterAll
    static void release() {
        vae.close();
        manager.close();
    }

    private static double check(String what, NDArray actual, NDArray expected) {
        double error = relativeMaxError(actual, expected);
        System.out.printf("%s: relative max error %.3g%n", what, error);
        assertThat(error).as("%s: relative max error", what).isLessThanOrEqualTo(TOLERANCE);
        return error;
    }

    @Test
    void posteriorMatchesTheOfficialEncoder() {
        String c = "vae_encode_case";
        try (NDManager m = manager.newSubManager(); Posterior posterior = vae.encode(GOLDENS.tensor(c, "image", m))) {
            NDArray mean = GOLDENS.tensor(c, "posterior_mean", m);
            NDArray std = GOLDENS.tensor(c, "posterior_std", m);
            check(c + " posterior_mean", posterior.mean(), mean);
            check(c + " posterior_std", posterior.std(), std);

            // The official run drew its noise from an unseeded generator: recover it, and check the sampling formula with it.
            NDArray sampled = GOLDENS.tensor(c, "sampled_latent_scaled", m);
            double scaling = GOLDENS.caseInfo(c).path("scaling_factor").asDouble();
            NDArray noise = sampled.div((float) scaling).sub(mean).div(std);
            check(c + " sampled_latent_scaled", posterior.sample(noise).mul((float) scaling), sampled);
        }
    }

    @Test
    void startLatentIsTheScaledMeanOrASampleFixedByTheSeed() {
        String c = "vae_encode_case";
        try (NDManager m = manager.newSubManager()) {
            NDArray image = GOLDENS.tensor(c, "image", m);
            float scaling = (float) vae.config().scalingFactor();
            check(c + " scaled mean", vae.encodeStartLatent(image, true, 0), GOLDENS.tensor(c, "posterior_mean", m)
                    .mul(scaling));
            NDArray first = vae.encodeStartLatent(image, false, 42);
            assertThat(vae.encodeStartLatent(image, false, 42).contentEquals(first)).as("same seed").isTrue();
            assertThat(vae.encodeStartLatent(image, false, 43).contentEquals(first)).as("other seed").isFalse();
            NDArray noise = first.div(scaling).sub(GOLDENS.tensor(c, "posterior_mean", m))
                    .div(GOLDENS.tensor(c, "posterior_std", m));
            // A standard normal sample: 1024 values with mean ~0 and variance ~1.
            assertThat(noise.mean().getFloat()).isBetween(-0.15f, 0.15f);
            assertThat(noise.square().mean().getFloat()).isBetween(0.8f, 1.2f);
        }
    }

    @Test
    void decodeMatchesTheOfficialDecoder() {
        String c = "vae_decode_case";
        try (NDManager m = manager.newSubManager()) {
            check(c + " pixels", vae.decode(GOLDENS.tensor(c, "latents_scaled", m)), GOLDENS.tensor(c, "pixels", m));
        }
    }

    /**
     * The first section's decode of the golden jobs runs the official temporal tiling: 9 latents
     * (inverted, the section's own) to 33 frames and 10 (F1, start latent + section) to 37.
     */
    @Test
    void temporallyTiledDecodeMatchesTheOfficialJobs() {
        for (String job : new String[] {"job_inverted", "job_f1"}) {
            try (NDManager m = manager.newSubManager()) {
                NDArray history = GOLDENS.tensor(job, "s0_history_latents", m);
                long generated = GOLDENS.caseInfo(job).path("section_log").get(0).path("total_generated_latent_frames")
                        .asLong();
                long frames = history.getShape().get(2);
                // Inverted history grows at the front; F1 history at the back.
                NDIndex real = job.equals("job_f1") ? new NDIndex(":, :, {}:", frames - generated)
                        : new NDIndex(":, :, 0:{}", generated);
                NDArray expected = GOLDENS.tensor(job, "s0_pixels", m);
                check(job + " s0_pixels (" + generated + " latents, tiled)", vae.decode(history.get(real)), expected);
            }
        }
    }

    /** Section decodes of 9, 10, 18 and 19 latents give the official 33, 37, 69 and 73 frames. */
    @Test
    void tiledDecodeFrameCounts() {
        long[][] latentsToFrames = {{3, 9}, {9, 33}, {10, 37}, {18, 69}, {19, 73}};
        for (long[] pair : latentsToFrames) {
            try (NDManager m = manager.newSubManager()) {
                NDArray latents = m.randomNormal(new Shape(1, 16, pair[0], 2, 2));
                assertThat(vae.decode(latents).getShape().getShape()).as("%d latents", pair[0])
                        .containsExactly(1, 3, pair[1], 16, 16);
            }
        }
    }

    /**
     * The float16 path (the GPU dtype) runs the same layers: weights narrowed at load, latents cast
     * after the float32 division; on the CPU it only has to stay close to the float32 result.
     */
    @Test
    void float16DecodeStaysCloseToFloat32() throws IOException {
        String c = "vae_decode_case";
        try (NDManager m = manager.newSubManager();
             SafetensorsWeights weights = SafetensorsWeights.open(GOLDENS.file("vae.safetensors"), Precision.FLOAT32,
                     new DjlKernels());
             HunyuanVideoVae half = HunyuanVideoVae.load(weights, vae.config(), DataType.FLOAT16, new DjlKernels(), m,
                     false)) {
            NDArray pixels = half.decode(GOLDENS.tensor(c, "latents_scaled", m));
            assertThat(pixels.getDataType()).isEqualTo(DataType.FLOAT16);
            double error = relativeMaxError(pixels.toType(DataType.FLOAT32, false), GOLDENS.tensor(c, "pixels", m));
            System.out.printf("%s float16: relative max error %.3g%n", c, error);
            assertThat(error).isLessThan(1e-2);
        }
    }

    @Test
    void previewMatchesTheOfficialFakeDecode() {
        String c = "vae_decode_fake_case";
        try (NDManager m = manager.newSubManager()) {
            check(c + " preview", vae.preview(GOLDENS.tensor(c, "latents", m)), GOLDENS.tensor(c, "preview", m));
        }
    }

    @Test
    void theLastFramesOfAVideoAreEncodedInBatchesAsFramePackStudioDoes() throws IOException {
        // goldens/creative/video_extension_case: FramePack-Studio's video_encode on the public tiny VAE,
        // 22 frames of 64x64 of which the last 20 are encoded, in batches of 16 and 4 frames.
        assumeTrue(GOLDENS.dir().toAbsolutePath().normalize().equals(GoldenCases.publicSet().dir().toAbsolutePath().normalize()),
                "the video case was made with the public tiny VAE");
        try (NDManager m = manager.newSubManager()) {
            NDArray video = videoGolden("video", m);
            int frames = (int) video.getShape().get(0);
            int kept = VideoExtensionSchedule.encodedFrames(frames);
            assertThat(kept).as("frames kept of 22").isEqualTo(20);
            // uint8 T,H,W,C -> [1,3,T,H,W] in [-1, 1], as Studio's frames_pt.
            NDArray pixels = video.get(new NDIndex((frames - kept) + ":")).toType(DataType.FLOAT32, false)
                    .div(127.5f).sub(1f).transpose(3, 0, 1, 2).expandDims(0);
            try (Posterior posterior = vae.encodeInBatches(pixels)) {
                NDArray mean = videoGolden("posterior_mean", m);
                NDArray std = videoGolden("posterior_std", m);
                check(VIDEO_CASE + " posterior mean", posterior.mean(), mean);
                check(VIDEO_CASE + " posterior std", posterior.std(), std);
                // Studio sampled from torch's global generator: its noise is recovered, the sampling checked with it.
                float scale = (float) vae.config().scalingFactor();
                check(VIDEO_CASE + " video latents", posterior.sample(videoGolden("sample_noise", m)).mul(scale),
                        videoGolden("video_latents", m));
            }
            NDArray seeded = vae.encodeVideoLatents(pixels, 7);
            assertThat(seeded.getShape()).isEqualTo(videoGolden("video_latents", m).getShape());
            assertThat(vae.encodeVideoLatents(pixels, 7).contentEquals(seeded)).as("same seed, same latents").isTrue();
        }
    }

    @Test
    void keptFramesFollowStudiosRule() {
        assertThat(VideoExtensionSchedule.encodedFrames(3)).isZero();
        assertThat(VideoExtensionSchedule.encodedFrames(13)).isEqualTo(12);
        assertThat(VideoExtensionSchedule.encodedFrames(108)).isEqualTo(108);
        assertThat(VideoExtensionSchedule.encodedFrames(500)).isEqualTo(108);
    }

    private static NDArray videoGolden(String name, NDManager m) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(VIDEO_CASE_FILE)) {
            return TensorDecoder.decode(file, file.entry(name), m);
        }
    }
}
