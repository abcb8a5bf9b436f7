package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
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

/**
 * A video's VAE encode against FramePack-Studio's {@code video_encode} on the tiny VAE
 * (goldens/creative/video_extension_case: 22 frames of 64x64, of which the last 20 are encoded,
 * in batches of 16 and 4 frames). Tolerance as {@link VaeParityTest}'s: float32 on both sides,
 * the same convolutions summed in another order.
 */
class VideoEncodeParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final Path CASE = Path.of("src/test/resources/goldens/creative/video_extension_case.safetensors");
    private static NDManager manager;
    private static HunyuanVideoVae vae;

    @BeforeAll
    static void loadVae() throws IOException {
        GoldenCases tiny = GoldenCases.publicSet();
        manager = NDManager.newBaseManager();
        VaeConfig config = VaeConfig.read(tiny.file("vae_config.json"));
        try (SafetensorsWeights weights = SafetensorsWeights.open(tiny.file("vae.safetensors"), Precision.FLOAT32,
                new DjlKernels())) {
            vae = HunyuanVideoVae.load(weights, config, DataType.FLOAT32, new DjlKernels(), manager, true);
        }
    }

    @AfterAll
    static void release() {
        vae.close();
        manager.close();
    }

    @Test
    void theLastFramesAreEncodedInBatchesAsStudioDoes() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            NDArray video = golden("video", m);
            int frames = (int) video.getShape().get(0);
            int kept = VideoExtensionSchedule.encodedFrames(frames);
            assertThat(kept).as("frames kept of 22").isEqualTo(20);
            // uint8 T,H,W,C -> [1,3,T,H,W] in [-1, 1], as Studio's frames_pt.
            NDArray pixels = video.get(new NDIndex((frames - kept) + ":")).toType(DataType.FLOAT32, false)
                    .div(127.5f).sub(1f).transpose(3, 0, 1, 2).expandDims(0);
            try (Posterior posterior = vae.encodeInBatches(pixels)) {
                NDArray mean = golden("posterior_mean", m);
                NDArray std = golden("posterior_std", m);
                check("posterior mean", posterior.mean(), mean);
                check("posterior std", posterior.std(), std);
                // Studio sampled from torch's global generator: its noise is recovered, the sampling checked with it.
                float scale = (float) vae.config().scalingFactor();
                check("video latents", posterior.sample(golden("sample_noise", m)).mul(scale), golden("video_latents", m));
            }
            NDArray seeded = vae.encodeVideoLatents(pixels, 7);
            assertThat(seeded.getShape()).isEqualTo(golden("video_latents", m).getShape());
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

    private static void check(String what, NDArray actual, NDArray expected) {
        double error = relativeMaxError(actual, expected);
        System.out.printf("video_extension_case %s: relative max error %.3g%n", what, error);
        assertThat(error).as("%s: relative max error", what).isLessThanOrEqualTo(TOLERANCE);
    }

    private static NDArray golden(String name, NDManager m) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(CASE)) {
            return TensorDecoder.decode(file, file.entry(name), m);
        }
    }
}
