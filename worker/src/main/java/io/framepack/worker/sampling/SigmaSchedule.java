package io.framepack.worker.sampling;

/**
 * The noise levels σ of one section: FLUX-style time shift whose strength {@code mu} grows with the
 * number of noisy tokens and is capped at ln 7 ({@code sample_hunyuan}'s {@code calculate_flux_mu}
 * and {@code get_flux_sigmas_from_mu}). With the official window of 9 latent frames every
 * resolution bucket reaches the cap, so σ = 7t / (1 + 6t) on a uniform grid t = 1 … 0.
 */
public final class SigmaSchedule {
    /** Token count where mu = 0.5, and where mu = 1.15 (linear in between and beyond). */
    private static final double BASE_TOKENS = 256;
    private static final double BASE_MU = 0.5;
    private static final double MAX_TOKENS = 4096;
    private static final double MAX_TOKENS_MU = 1.15;
    private static final double MU_CAP = Math.log(7.0);

    private SigmaSchedule() {
    }

    /** Noisy tokens of a section: {@code T·h·w / 4} for latents {@code [1,16,T,h,w]} (2×2 patches). */
    public static long noisyTokens(long latentFrames, long latentHeight, long latentWidth) {
        return latentFrames * latentHeight * latentWidth / 4;
    }

    /** The shift exponent for {@code tokens} noisy tokens (double arithmetic, as the official code's Python floats). */
    public static double mu(long tokens) {
        double slope = (MAX_TOKENS_MU - BASE_MU) / (MAX_TOKENS - BASE_TOKENS);
        double intercept = BASE_MU - slope * BASE_TOKENS;
        return Math.min(slope * tokens + intercept, MU_CAP);
    }

    /**
     * The {@code steps + 1} noise levels from 1 down to 0, in float32 exactly as the official code's
     * tensor arithmetic produces them: {@code t = linspace(1, 0, steps + 1)} then
     * {@code σ = e^mu / (e^mu + (1/t − 1))}, where the scalar division is evaluated as
     * {@code reciprocal(·) · e^mu} (Python's reflected division on a tensor) and {@code e^mu} is
     * a double rounded to float by the tensor op.
     */
    public static float[] sigmas(int steps, double mu) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        float shift = (float) Math.exp(mu);
        float[] t = linspaceOneToZero(steps + 1);
        float[] sigmas = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            float odds = 1f / t[i] - 1f;
            sigmas[i] = (1f / (shift + odds)) * shift;
        }
        return sigmas;
    }

    /**
     * {@code torch.linspace(1, 0, n)} in float32 as libtorch's CPU kernel computes it: the first
     * half counts up from the start, the second half back from the end, each value one fused
     * multiply-add of the float step (a plain multiply-then-add differs in the last bit).
     */
    static float[] linspaceOneToZero(int n) {
        float[] values = new float[n];
        if (n == 1) {
            values[0] = 1f;
            return values;
        }
        float step = (0f - 1f) / (n - 1);
        int halfway = n / 2;
        for (int i = 0; i < n; i++) {
            values[i] = i < halfway ? Math.fma(step, (float) i, 1f) : Math.fma(-step, (float) (n - i - 1), 0f);
        }
        return values;
    }
}
