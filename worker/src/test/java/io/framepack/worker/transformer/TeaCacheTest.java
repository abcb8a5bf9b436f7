package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TeaCacheTest {

    @Test
    void rescalesWithTheOfficialPolynomial() {
        // np.poly1d([7.33226126e+02, -4.01131952e+02, 6.75869174e+01, -3.14987800e+00, 9.61237896e-02])
        assertThat(TeaCache.rescale(0)).isEqualTo(0.0961237896);
        assertThat(TeaCache.rescale(0.1)).isCloseTo(0.0733226126 - 0.401131952 + 0.675869174 - 0.3149878 + 0.0961237896,
                within(1e-12));
    }

    /**
     * A constant 2 % change per step adds P(0.02) ≈ 0.0571 per step: compute, skip, skip, compute
     * (0.171 ≥ 0.15, reset), skip, and the last step always computes.
     */
    @Test
    void accumulatesUntilTheThresholdAndAlwaysComputesFirstAndLast() {
        try (NDManager manager = NDManager.newBaseManager(); TeaCache cache = new TeaCache(6, 0.15, manager)) {
            List<Boolean> decisions = new ArrayList<>();
            for (int step = 0; step < 6; step++) {
                NDArray modulated = manager.full(new Shape(1, 4, 8), (float) Math.pow(1.02, step));
                decisions.add(cache.shouldCompute(modulated));
            }
            assertThat(decisions).containsExactly(true, false, false, true, false, true);
            assertThat(cache.skipped()).isEqualTo(3);
        }
    }

    /** Across a section the cache holds the last probe and residual, not a temporary per step. */
    @Test
    void holdsOnlyTheLastProbeAndResidualWhateverTheStepCount() {
        try (NDManager manager = NDManager.newBaseManager(); NDManager owner = manager.newSubManager();
             TeaCache cache = new TeaCache(25, 0.15, owner)) {
            for (int step = 0; step < 25; step++) {
                try (NDManager forward = manager.newSubManager()) {
                    cache.shouldCompute(forward.full(new Shape(1, 4, 8), (float) Math.pow(1.02, step)));
                    cache.rememberResidual(forward.ones(new Shape(1, 4, 8)));
                }
                assertThat(owner.getManagedArrays()).as("arrays held after step %d", step).hasSize(2);
            }
        }
    }
}
