package io.framepack.worker.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.tensor.Precision;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * σ table, shift and scalar quantisation against the values the official functions print
 * ({@code calculate_flux_mu} and {@code get_flux_sigmas_from_mu} in lllyasviel/FramePack
 * {@code diffusers_helper/pipelines/k_diffusion_hunyuan.py}; the bfloat16 rounding of {@code fm_wrapper}).
 */
class SigmaScheduleTest {

    @Test
    void officialShapesReachTheShiftCapAndGiveTheVerifiedTable() {
        long tokens = SigmaSchedule.noisyTokens(9, 80, 76);
        assertThat(tokens).isEqualTo(13680);
        double mu = SigmaSchedule.mu(tokens);
        assertThat(mu).isEqualTo(Math.log(7.0));
        float[] expected = parse("1, 0.994082749, 0.987730086, 0.980891705, 0.973509967, 0.965517223, 0.956834555, "
                + "0.947368443, 0.937007844, 0.925619781, 0.913043499, 0.899082541, 0.883495152, 0.865979314, "
                + "0.846153855, 0.823529422, 0.797468364, 0.767123282, 0.731343269, 0.688524544, 0.636363626, "
                + "0.571428537, 0.488372058, 0.378378391, 0.225806445, 0");
        assertThat(SigmaSchedule.sigmas(25, mu)).containsExactly(expected);
    }

    @Test
    void shiftGrowsWithTokensBelowTheCap() {
        assertThat(SigmaSchedule.mu(7600)).isCloseTo(1.74313, within(5e-6));
        assertThat(SigmaSchedule.mu(4560)).isCloseTo(1.22854, within(5e-6));
        assertThat(SigmaSchedule.mu(3040)).isCloseTo(0.97125, within(5e-6));
        assertThat(SigmaSchedule.mu(1520)).isCloseTo(0.71396, within(5e-6));
        assertThat(SigmaSchedule.mu(8798)).isEqualTo(Math.log(7.0));
    }

    @Test
    void goldenSamplerCaseSigmas() {
        GoldenCases goldens = GoldenCases.load();
        int steps = goldens.caseInfo("sampler_case").path("steps").asInt();
        double mu = goldens.caseInfo("sampler_case").path("mu").asDouble();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[] shape = goldens.tensor("sampler_case", "noise", m).getShape().getShape();
            assertThat(SigmaSchedule.mu(SigmaSchedule.noisyTokens(shape[2], shape[3], shape[4]))).isEqualTo(mu);
            float[] expected = goldens.tensor("sampler_case", "sigmas", m).toFloatArray();
            assertThat(SigmaSchedule.sigmas(steps, mu)).containsExactly(expected);
        }
    }

    @Test
    void linspaceIsLibtorchsBitForBit() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int n = 1; n <= 202; n++) {
                assertThat(SigmaSchedule.linspaceOneToZero(n)).as("n = %d", n)
                        .containsExactly(m.linspace(1f, 0f, n).toFloatArray());
            }
        }
    }

    @Test
    void bfloat16TimestepsAndGuidanceOfTheOfficialRun() {
        float[] sigmas = SigmaSchedule.sigmas(25, Math.log(7.0));
        float[] timesteps = new float[25];
        for (int i = 0; i < 25; i++) {
            timesteps[i] = FlowMatchDenoiser.quantise(sigmas[i] * 1000f, Precision.BFLOAT16);
        }
        assertThat(timesteps).containsExactly(1000, 996, 988, 980, 972, 964, 956, 948, 936, 924, 912, 900, 884, 864,
                848, 824, 796, 768, 732, 688, 636, 572, 488, 378, 226);
        assertThat(FlowMatchDenoiser.quantise(10_000f, Precision.BFLOAT16)).isEqualTo(9984f);
        assertThat(FlowMatchDenoiser.quantise(6_000f, Precision.BFLOAT16)).isEqualTo(6016f);
        assertThat(FlowMatchDenoiser.quantise(9_000f, Precision.BFLOAT16)).isEqualTo(9024f);
        assertThat(FlowMatchDenoiser.quantise(3_000f, Precision.BFLOAT16)).isEqualTo(3008f);
        assertThat(FlowMatchDenoiser.quantise(12_000f, Precision.BFLOAT16)).isEqualTo(12032f);
        assertThat(FlowMatchDenoiser.quantise(1_000f, Precision.BFLOAT16)).isEqualTo(1000f);
        assertThat(FlowMatchDenoiser.quantise(994.08f, Precision.FLOAT32)).isEqualTo(994.08f);
    }

    @Test
    void bfloat16RoundsHalfwayToEven() {
        assertThat(BFloat16.round(Float.intBitsToFloat(0x3F808000))).isEqualTo(Float.intBitsToFloat(0x3F800000));
        assertThat(BFloat16.round(Float.intBitsToFloat(0x3F818000))).isEqualTo(Float.intBitsToFloat(0x3F820000));
        assertThat(BFloat16.round(Float.intBitsToFloat(0x3F808001))).isEqualTo(Float.intBitsToFloat(0x3F810000));
        assertThat(BFloat16.round(Float.NaN)).isNaN();
        assertThat(BFloat16.round(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    private static float[] parse(String list) {
        String[] parts = list.split(",\\s*");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Float.parseFloat(parts[i]);
        }
        return values;
    }
}
