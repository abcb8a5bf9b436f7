package io.framepack.worker.runtime;

import io.framepack.api.worker.MemoryTier;
import io.framepack.worker.transformer.BlockResidency;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tier each budget gets for the full-size model at 640×640, window 9. */
class MemoryPlanTest {
    private static final long GIB = 1L << 30;
    /** FramePack's 13B transformer in bf16, and LLaMA 8B + CLIP-L + SigLIP in float32. */
    private static final long TRANSFORMER = 25_700_000_000L;
    private static final long ENCODERS = 32_100_000_000L;

    @Test
    void theWholeH200KeepsEverythingResident() {
        MemoryPlan plan = plan(139 * GIB);
        assertThat(plan.tier()).isEqualTo(MemoryTier.Resident);
        assertThat(plan.tiledVae()).isFalse();
        assertThat(plan.cpuEncoders()).isFalse();
        assertThat(plan.transformer()).isEqualTo(BlockResidency.ALL);
    }

    @Test
    void a48GigabyteCardTilesTheVaeAndKeepsTheTransformer() {
        MemoryPlan plan = plan(44 * GIB);
        assertThat(plan.tier()).isEqualTo(MemoryTier.TiledVae);
        assertThat(plan.tiledVae()).isTrue();
        assertThat(plan.transformer()).isEqualTo(BlockResidency.ALL);
    }

    @Test
    void a24GigabyteCardStreamsWhatDoesNotFitBesideTheTiledDecode() {
        MemoryPlan plan = plan(22 * GIB);
        assertThat(plan.tier()).isEqualTo(MemoryTier.Streamed);
        assertThat(plan.cpuEncoders()).isTrue();
        long tiledDecode = MemoryPlan.decodeBytes(640, 640, true);
        assertThat(tiledDecode).isBetween(7 * GIB, 8 * GIB);
        assertThat(plan.transformer().deviceBytes()).isEqualTo(22 * GIB - MemoryPlan.RESERVE_BYTES - tiledDecode);
    }

    @Test
    void theUntiledDecodeEstimateScalesTheMeasurementAt640() {
        assertThat(MemoryPlan.decodeBytes(640, 640, false)).isEqualTo((long) (46.8 * GIB));
        assertThat(MemoryPlan.activationBytes(3072, 640, 640, 9)).isBetween(3 * GIB, 4 * GIB);
    }

    @Test
    void noLimitMeansResident() {
        assertThat(MemoryPlan.choose(MemoryPlan.Budget.UNLIMITED, ENCODERS, TRANSFORMER, 3072, 640, 640, 9).tier())
                .isEqualTo(MemoryTier.Resident);
    }

    @Test
    void aBudgetBelowTheTiledDecodeIsRefusedWithWhatItNeeds() {
        assertThatThrownBy(() -> plan(8 * GIB)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("8.0 GiB (requested) cannot hold the tiled VAE decode (7.5 GiB estimated)");
        assertThatThrownBy(() -> new MemoryPlan.Budget(0, "requested")).isInstanceOf(InvalidInputException.class);
    }

    private static MemoryPlan plan(long budget) {
        return MemoryPlan.choose(new MemoryPlan.Budget(budget, "requested"), ENCODERS, TRANSFORMER, 3072, 640, 640, 9);
    }
}
