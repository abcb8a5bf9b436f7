package io.framepack.worker.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * UniPC coefficients for 25 steps at shift 7 against the table the official sampler produced on a
 * GPU ({@code update_fn} in lllyasviel/FramePack {@code diffusers_helper/k_diffusion/uni_pc_fm.py},
 * printed to 8 significant digits). The Java side rounds log and expm1 correctly; CUDA's float
 * functions may be one ulp off, which the ill-conditioned φ recursion amplifies in the late ρ:
 * at step 23 the table's φ1 = −0.22522514 is one ulp from the correctly rounded −0.22522515
 * (exact value −0.2252251459), and ρ moves by up to 1.4e-4 relative there.
 */
class UniPcCoefficientsTest {
    private static final float[] SIGMAS = SigmaSchedule.sigmas(25, Math.log(7.0));
    /** Relative: two ulps of float plus the table's printing precision. */
    private static final float TOLERANCE = 3e-7f;
    private static final float LATE_STEP_TOLERANCE = 2e-4f;

    private float tolerance = TOLERANCE;

    @Test
    void firstStepsRampUpTheOrder() {
        UniPcCoefficients first = at(1);
        assertClose(first.ratio(), 0.99408275f);
        assertClose(first.phi1(), -0.0059172511f);
        assertClose(first.bh(), -0.0059348275f);
        assertThat(first.ratios()).isEmpty();
        assertThat(first.predictorWeights()).isEmpty();
        assertThat(first.correctorWeights()).containsExactly(0.5f);

        UniPcCoefficients second = at(2);
        assertClose(second.ratio(), 0.99360955f);
        assertClose(second.phi1(), -0.0063904775f);
        assertClose(second.bh(), -0.0064109839f);
        assertClose(second.ratios(), -0.92572802f);
        assertThat(second.predictorWeights()).containsExactly(0.5f);
        assertClose(second.correctorWeights(), 0.085531533f, 0.41339713f);
    }

    @Test
    void thirdOrderStepsMatchTheReferenceTable() {
        check(3, 0.99307668f, -0.00692333f, -0.0069474075f, new float[] {-0.92278796f, -1.7770386f},
                new float[] {1.4282446f, -0.92940342f}, new float[] {0.45692816f, -0.25687572f, 0.29878867f});
        check(4, 0.99247444f, -0.0075255367f, -0.0075539965f, new float[] {-0.91969961f, -1.7683873f},
                new float[] {1.4318652f, -0.93312389f}, new float[] {0.36107588f, -0.19059993f, 0.3282654f});
        check(5, 0.99178976f, -0.0082102353f, -0.0082441252f, new float[] {-0.91628844f, -1.7589985f},
                new float[] {1.4336244f, -0.93498892f}, new float[] {-0.13133293f, 0.15196693f, 0.47800148f});
        check(12, 0.98266298f, -0.017336993f, -0.017489038f, new float[] {-0.88104784f, -1.6632532f},
                new float[] {1.4813743f, -0.98427689f}, new float[] {0.24986959f, -0.11446879f, 0.36169654f});
        tolerance = LATE_STEP_TOLERANCE;
        check(23, 0.77477485f, -0.22522514f, -0.2551828f, new float[] {-0.61548769f, -1.0372666f},
                new float[] {1.8737359f, -1.4136857f}, new float[] {0.33424371f, -0.19291732f, 0.31872377f});
        check(24, 0.59677416f, -0.40322584f, -0.51621652f, new float[] {-0.49433288f, -0.79858869f},
                new float[] {2.0805283f, -1.6565157f}, new float[] {0.37754041f, -0.24161144f, 0.28808364f});
    }

    @Test
    void solvesLikeLuWithPartialPivoting() {
        float[] x = UniPcCoefficients.solve(new float[][] {{1, 1, 1}, {2, 1, 0}, {4, 1, 0}}, new float[] {6, 4, 6});
        assertClose(x, 1f, 2f, 3f);
    }

    private void check(int step, float ratio, float phi1, float bh, float[] rks, float[] rhoP, float[] rhoC) {
        UniPcCoefficients c = at(step);
        assertClose(c.ratio(), ratio);
        assertClose(c.phi1(), phi1);
        assertClose(c.bh(), bh);
        assertClose(c.ratios(), rks);
        assertClose(c.predictorWeights(), rhoP);
        assertClose(c.correctorWeights(), rhoC);
    }

    /** The update of step {@code i}: from the last min(i, 3) noise levels to σ_i. */
    private static UniPcCoefficients at(int i) {
        int order = Math.min(i, 3);
        return UniPcCoefficients.of(Arrays.copyOfRange(SIGMAS, i - order, i), SIGMAS[i], order);
    }

    private void assertClose(float actual, float expected) {
        assertThat(actual).isCloseTo(expected, offset(Math.abs(expected) * tolerance));
    }

    private void assertClose(float[] actual, float... expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertClose(actual[i], expected[i]);
        }
    }
}
