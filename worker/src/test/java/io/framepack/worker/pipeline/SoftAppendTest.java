package io.framepack.worker.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The pixel cross-fade between consecutive section decodes (official {@code soft_append_bcthw}). */
class SoftAppendTest {

    @Test
    void crossFadesTheOverlapInTheClipsDtype() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray first = m.randomUniform(-1f, 1f, new Shape(1, 3, 40, 4, 4)).toType(DataType.FLOAT16, false);
            NDArray second = m.randomUniform(-1f, 1f, new Shape(1, 3, 36, 4, 4)).toType(DataType.FLOAT16, false);
            NDArray joined = SoftAppend.softAppend(first, second, 33);

            assertThat(joined.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(joined.getShape()).isEqualTo(new Shape(1, 3, 43, 4, 4));
            assertThat(frames(joined, 0, 7).contentEquals(frames(first, 0, 7))).isTrue();
            assertThat(frames(joined, 7, 8).contentEquals(frames(first, 7, 8))).as("weight 1: first clip").isTrue();
            assertThat(frames(joined, 39, 40).contentEquals(frames(second, 32, 33))).as("weight 0: second clip").isTrue();
            assertThat(frames(joined, 40, 43).contentEquals(frames(second, 33, 36))).isTrue();
            // Middle of the fade: w = 1 − 16/32 = 0.5, one fp16 rounding per operation.
            float[] a = frames(first, 23, 24).toType(DataType.FLOAT32, false).toFloatArray();
            float[] b = frames(second, 16, 17).toType(DataType.FLOAT32, false).toFloatArray();
            float[] mid = frames(joined, 23, 24).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < mid.length; i++) {
                assertThat(mid[i]).isCloseTo(0.5f * a[i] + 0.5f * b[i], within(1e-3f));
            }
        }
    }

    @Test
    void rejectsAnOverlapLongerThanAClip() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray clip = m.zeros(new Shape(1, 3, 5, 2, 2));
            assertThatThrownBy(() -> SoftAppend.softAppend(clip, clip, 6)).isInstanceOf(IllegalArgumentException.class);
            assertThat(SoftAppend.softAppend(clip, clip, 0).getShape().get(2)).isEqualTo(10);
        }
    }

    private static NDArray frames(NDArray clip, long from, long to) {
        return clip.get(new NDIndex().addAllDim(2).addSliceDim(from, to));
    }
}
