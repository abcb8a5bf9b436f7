package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RopeTest {
    private final Rope rope = new Rope(256.0, new int[] {16, 56, 56});

    /** The official RoPE's first frequencies: time 1, 0.5, 0.25, …; space 1, 0.820335329, 0.672950089. */
    @Test
    void usesThetaToThePowerOfTheChannelFraction() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Frame 1, row 1, column 1 is the last token of a 2 × 2 grid at frames {0, 1}.
            NDArray table = rope.tokens(manager.create(new long[][] {{0, 1}}), 2, 2, manager);
            assertThat(table.getShape().getShape()).containsExactly(1, 8, 256);
            float[] last = table.get(new NDIndex("0, 7, :")).toFloatArray();
            assertThat(last[0]).isCloseTo((float) Math.cos(1.0), within(1e-6f));
            assertThat(last[1]).isCloseTo((float) Math.cos(1.0), within(1e-6f));
            assertThat(last[2]).isCloseTo((float) Math.cos(0.5), within(1e-6f));
            assertThat(last[14]).isCloseTo((float) Math.cos(0.0078125), within(1e-6f));
            assertThat(last[16 + 2]).isCloseTo((float) Math.cos(0.820335329), within(1e-6f));
            assertThat(last[16 + 56 + 4]).isCloseTo((float) Math.cos(0.672950089), within(1e-6f));
            assertThat(last[128 + 2]).isCloseTo((float) Math.sin(0.5), within(1e-6f));
        }
    }

    /**
     * Three frames pooled by 2 pad the time axis by repeating the last frame: the second pooled
     * token sits at frame 12 exactly (mean of 12 and 12), the first averages frames 10 and 11.
     */
    @Test
    void poolsReplicatePaddedTablesLiterally() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray pooled = rope.pooledTokens(manager.create(new long[][] {{10, 11, 12}}), 2, 2, 2, manager);
            assertThat(pooled.getShape().getShape()).containsExactly(1, 2, 256);
            double omega = 0.5;
            float firstTime = pooled.get(new NDIndex("0, 0, 2")).getFloat();
            float secondTime = pooled.get(new NDIndex("0, 1, 2")).getFloat();
            assertThat(firstTime).isCloseTo((float) ((Math.cos(10 * omega) + Math.cos(11 * omega)) / 2), within(1e-6f));
            assertThat(secondTime).isCloseTo((float) Math.cos(12 * omega), within(1e-6f));
            // Rows 0 and 1 pooled: mean(cos 0, cos ω_y) for the first spatial channel (ω = 1).
            float row = pooled.get(new NDIndex("0, 0, 16")).getFloat();
            assertThat(row).isCloseTo((float) ((1 + Math.cos(1.0)) / 2), within(1e-6f));
        }
    }
}
