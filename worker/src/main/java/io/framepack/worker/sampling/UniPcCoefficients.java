package io.framepack.worker.sampling;

import java.util.Arrays;

/**
 * The scalars of one flow-matching UniPC (bh1) update from the newest previous noise level
 * {@code s0} to {@code t}, in float32 exactly as the official code evaluates them on 0-d tensors:
 * λ = −log σ, the φ recursion {@code g ← g/hh − 1/k!} and the small linear solves. At early steps
 * |h| is tiny and the recursion cancels most of its digits, so the erratic last bits are part of
 * the official code's result; evaluating it in double would give visibly different ρ.
 *
 * @param ratio              {@code t / s0}, the decay of the current state
 * @param phi1               {@code expm1(−h)}, the weight of the newest x̂₀ in the linear step
 * @param bh                 the bh1 scale {@code B(h) = −h}
 * @param ratios             {@code r_k} of the older points (k = 1 … order−1), newest first
 * @param predictorWeights   ρ of the predictor (empty for order 1)
 * @param correctorWeights   ρ of the corrector; the last one weighs the new prediction
 */
public record UniPcCoefficients(float ratio, float phi1, float bh, float[] ratios, float[] predictorWeights,
                                float[] correctorWeights) {

    /**
     * @param previousSigmas the noise levels of the kept history, oldest first (at least {@code order})
     * @param t              the noise level to step to
     * @param order          1, 2 or 3
     */
    public static UniPcCoefficients of(float[] previousSigmas, float t, int order) {
        if (order < 1 || order > 3 || previousSigmas.length < order) {
            throw new IllegalArgumentException("UniPC order " + order + " with " + previousSigmas.length + " previous points");
        }
        int newest = previousSigmas.length - 1;
        float s0 = previousSigmas[newest];
        float lambdaS0 = lambda(s0);
        float h = lambda(t) - lambdaS0;

        float[] rks = new float[order];
        for (int k = 1; k < order; k++) {
            rks[k - 1] = (lambda(previousSigmas[newest - k]) - lambdaS0) / h;
        }
        rks[order - 1] = 1f;

        float hh = -h;
        float phi1 = (float) Math.expm1(hh);
        float bh = hh;
        float g = phi1 / hh - 1f;
        long factorial = 1;
        float[][] powers = new float[order][order];
        float[] b = new float[order];
        for (int k = 1; k <= order; k++) {
            for (int j = 0; j < order; j++) {
                powers[k - 1][j] = power(rks[j], k - 1);
            }
            b[k - 1] = (g * factorial) / bh;
            factorial *= k + 1;
            g = g / hh - (float) (1.0 / factorial);
        }

        float[] predictor = switch (order) {
            case 1 -> new float[0];
            case 2 -> new float[] {0.5f};
            default -> solve(leading(powers, order - 1), Arrays.copyOf(b, order - 1));
        };
        float[] corrector = order == 1 ? new float[] {0.5f} : solve(powers, b);
        return new UniPcCoefficients(t / s0, phi1, bh, Arrays.copyOf(rks, order - 1), predictor, corrector);
    }

    /** λ = −log σ: the log rounded once to float, like libtorch's scalar {@code log} of a float. */
    private static float lambda(float sigma) {
        return -(float) Math.log(sigma);
    }

    /** {@code torch.pow(r, e)} for the exponents used here: 0 → 1, 1 → r, 2 → r·r (one rounding). */
    private static float power(float r, int exponent) {
        return switch (exponent) {
            case 0 -> 1f;
            case 1 -> r;
            case 2 -> r * r;
            default -> throw new IllegalArgumentException("exponent " + exponent);
        };
    }

    private static float[][] leading(float[][] matrix, int n) {
        float[][] block = new float[n][];
        for (int i = 0; i < n; i++) {
            block[i] = Arrays.copyOf(matrix[i], n);
        }
        return block;
    }

    /**
     * {@code A x = b} in float32 the way LAPACK's {@code sgesv} does it: LU with partial pivoting
     * (multipliers scaled by the pivot's reciprocal), then forward and back substitution.
     */
    static float[] solve(float[][] matrix, float[] rhs) {
        int n = rhs.length;
        float[][] a = new float[n][];
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
        }
        float[] x = rhs.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            if (a[pivot][col] == 0f) {
                throw new ArithmeticException("singular UniPC system");
            }
            float[] swapRow = a[col];
            a[col] = a[pivot];
            a[pivot] = swapRow;
            float swap = x[col];
            x[col] = x[pivot];
            x[pivot] = swap;
            float reciprocal = 1f / a[col][col];
            for (int row = col + 1; row < n; row++) {
                float multiplier = a[row][col] * reciprocal;
                a[row][col] = multiplier;
                for (int j = col + 1; j < n; j++) {
                    a[row][j] -= multiplier * a[col][j];
                }
            }
        }
        // Column-oriented substitutions, in the order of the reference BLAS triangular solve.
        for (int k = 0; k < n; k++) {
            for (int row = k + 1; row < n; row++) {
                x[row] -= x[k] * a[row][k];
            }
        }
        for (int k = n - 1; k >= 0; k--) {
            x[k] /= a[k][k];
            for (int row = 0; row < k; row++) {
                x[row] -= x[k] * a[row][k];
            }
        }
        return x;
    }
}
