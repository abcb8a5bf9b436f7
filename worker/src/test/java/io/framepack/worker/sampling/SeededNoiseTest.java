package io.framepack.worker.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.GoldenCases;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The job noise is the official generator's, bit for bit, in any order it is asked for. */
class SeededNoiseTest {
    private final GoldenCases goldens = GoldenCases.load();

    @Test
    void everyJobsSectionNoiseIsIdenticalToTheRecordedNoise() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (String job : goldens.jobCases()) {
                SeededNoise noise = new SeededNoise(goldens.caseInfo(job).path("seed").asLong());
                for (int s = 0; goldens.hasTensor(job, "s" + s + "_noise"); s++) {
                    NDArray expected = goldens.tensor(job, "s" + s + "_noise", m);
                    assertThat(noise.draw(s, expected.getShape(), m).contentEquals(expected)).as("%s s%d", job, s).isTrue();
                }
            }
            NDArray samplerNoise = goldens.tensor("sampler_case", "noise", m);
            SeededNoise sampler = new SeededNoise(goldens.caseInfo("sampler_case").path("seed").asLong());
            assertThat(sampler.draw(0, samplerNoise.getShape(), m).contentEquals(samplerNoise)).isTrue();
        }
    }

    @Test
    void resumedAndInterleavedSourcesReplayToTheRequestedDraw() {
        String job = goldens.jobCases().get(0);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray second = goldens.tensor(job, "s1_noise", m);
            SeededNoise resumed = new SeededNoise(goldens.caseInfo(job).path("seed").asLong());
            SeededNoise other = new SeededNoise(7);
            other.draw(0, second.getShape(), m);
            assertThat(resumed.draw(1, second.getShape(), m).contentEquals(second)).isTrue();
            other.draw(1, second.getShape(), m);
            assertThat(resumed.draw(1, second.getShape(), m).contentEquals(second)).as("redone after interleaving").isTrue();
            NDArray first = goldens.tensor(job, "s0_noise", m);
            assertThat(resumed.draw(0, first.getShape(), m).contentEquals(first)).as("rewound").isTrue();
        }
    }

    /**
     * Seed 31337, one section of the 640 × 608 bucket, as the official demo draws it
     * ({@code torch.randn} with {@code torch.Generator("cpu").manual_seed(seed)}, lllyasviel/FramePack
     * {@code demo_gradio.py}); the values are what that call prints.
     */
    @Test
    void officialSizeNoiseStartsWithTheVerifiedValues() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Shape shape = new Shape(1, 16, 9, 80, 76);
            SeededNoise noise = new SeededNoise(31337);
            float[] first = noise.draw(0, shape, m).toFloatArray();
            assertThat(first).startsWith(1.18328166f, -0.0630588084f, 0.990850925f, -0.506069422f, 2.9656179f,
                    0.850227654f, -1.26275587f, 0.521843374f);
            assertThat(first[first.length - 2]).isEqualTo(0.0892182812f);
            assertThat(first[first.length - 1]).isEqualTo(0.81938827f);
            assertThat(sum(first)).isCloseTo(-1598.367591, org.assertj.core.api.Assertions.within(1e-6));
            float[] second = noise.draw(1, shape, m).toFloatArray();
            assertThat(second).startsWith(-0.261532158f, -0.494961828f, -2.32163787f, -1.97590029f);
            assertThat(sum(second)).isCloseTo(-1111.227077, org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    private static double sum(float[] values) {
        double total = 0;
        for (float v : values) {
            total += v;
        }
        return total;
    }
}
