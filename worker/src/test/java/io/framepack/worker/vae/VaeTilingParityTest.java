package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.GoldenCases;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Spatial tiling against diffusers' {@code enable_tiling()} on the public set's tiny VAE
 * ({@code goldens/vae-tiling}, made by {@code worker/goldens/make_vae_tiling_case.py}): 48 px tiles
 * every 32 px, so the small inputs span several tiles with partial ones at the borders.
 */
class VaeTilingParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final Path CASE = Path.of("src/test/resources/goldens/vae-tiling/vae_tiling_case.safetensors");
    private static final SpatialTiling TILES = new SpatialTiling(48, 32);
    private static NDManager manager;
    private static HunyuanVideoVae vae;

    @BeforeAll
    static void loadVae() throws IOException {
        GoldenCases goldens = GoldenCases.publicSet();
        manager = NDManager.newBaseManager();
        try (SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("vae.safetensors"), Precision.FLOAT32,
                new DjlKernels())) {
            vae = HunyuanVideoVae.load(weights, VaeConfig.read(goldens.file("vae_config.json")), DataType.FLOAT32,
                    new DjlKernels(), manager, true);
        }
    }

    @AfterAll
    static void release() {
        vae.close();
        manager.close();
    }

    private static NDArray tensor(String name, NDManager m) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(CASE)) {
            return TensorDecoder.decode(file, file.entry(name), m);
        }
    }

    @Test
    void tiledDecodeMatchesDiffusersInTimeAndSpace() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            NDArray latents = tensor("latents", m);
            NDArray expected = tensor("pixels", m);
            vae.useSpatialTiling(TILES);
            try {
                NDArray pixels = vae.decodeUnscaled(latents);
                assertThat(pixels.getShape()).isEqualTo(expected.getShape());
                assertThat(relativeMaxError(pixels, expected)).isLessThanOrEqualTo(TOLERANCE);
            } finally {
                vae.useSpatialTiling(null);
            }
        }
    }

    @Test
    void tiledEncodeMatchesDiffusers() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            NDArray image = tensor("image", m);
            vae.useSpatialTiling(TILES);
            try (Posterior tiled = vae.encode(image)) {
                assertThat(relativeMaxError(tiled.mean(), tensor("posterior_mean", m))).isLessThanOrEqualTo(TOLERANCE);
                NDArray std = tensor("posterior_logvar", m).clip(-30f, 20f).mul(0.5f).exp();
                assertThat(relativeMaxError(tiled.std(), std)).isLessThanOrEqualTo(TOLERANCE);
            } finally {
                vae.useSpatialTiling(null);
            }
            try (Posterior whole = vae.encode(image)) {
                assertThat(relativeMaxError(whole.mean(), tensor("untiled_posterior_mean", m)))
                        .isLessThanOrEqualTo(TOLERANCE);
                assertThat(relativeMaxError(whole.mean(), tensor("posterior_mean", m))).isGreaterThan(100 * TOLERANCE);
            }
        }
    }

    @Test
    void tilesMustFitTheCompression() {
        assertThatThrownBy(() -> new SpatialTiling(48, 48)).hasMessageContaining("0 < stride < tile");
        assertThatThrownBy(() -> vae.useSpatialTiling(new SpatialTiling(50, 30)))
                .hasMessageContaining("multiples of the spatial compression 8");
    }
}
