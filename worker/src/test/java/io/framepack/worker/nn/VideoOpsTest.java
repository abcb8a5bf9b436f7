package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Nearest upsampling on a small tensor whose every value is checked. */
class VideoOpsTest {

    @Test
    void upsampleNearestRepeatsEveryValueAlongEachAxis() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0, 1, 10, 11, 100, 101, 110, 111}, new Shape(1, 1, 2, 2, 2));
            NDArray up = VideoOps.upsampleNearest(x, 2, 2, 3);
            assertThat(up.getShape()).isEqualTo(new Shape(1, 1, 4, 4, 6));
            float[] v = up.toFloatArray();
            for (int t = 0; t < 4; t++) {
                for (int y = 0; y < 4; y++) {
                    for (int xx = 0; xx < 6; xx++) {
                        assertThat(v[(t * 4 + y) * 6 + xx]).isEqualTo(100f * (t / 2) + 10f * (y / 2) + xx / 3);
                    }
                }
            }
        }
    }
}
