package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

class OwnedArraysTest {

    @Test
    void theArrayAndItsViewsDoNotShareTheSourceBuffer() {
        ByteBuffer source = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.nativeOrder());
        source.asFloatBuffer().put(new float[] {1, 2, 3, 4});
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray array = OwnedArrays.copyOf(source, new Shape(2, 2), DataType.FLOAT32, manager);
            NDArray view = array.get("1:");
            // Whatever later happens to the Java buffer (reuse after collection) must not reach the arrays.
            source.asFloatBuffer().put(new float[] {-1, -1, -1, -1});
            assertThat(array.toFloatArray()).containsExactly(1, 2, 3, 4);
            assertThat(view.toFloatArray()).containsExactly(3, 4);
        }
    }

    @Test
    void heapBytesWork() {
        ByteBuffer heap = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 42L);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(OwnedArrays.copyOf(heap, new Shape(1), DataType.INT64, manager).toLongArray()).containsExactly(42L);
        }
    }
}
