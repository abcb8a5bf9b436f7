package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Activations;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NumericsTest {

    /** Above 2^24 elements the activation runs over row slices; elementwise, so nothing may change. */
    @Test
    void slicedActivationEqualsTheWholeOne() {
        Numerics numerics = new Numerics(Precision.FLOAT32, new DjlKernels());
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray x = manager.randomNormal(new Shape(1, 4099, 4099));
            NDArray sliced = numerics.inFloat32(x, Activations::geluTanh);
            assertThat(sliced.getShape()).isEqualTo(x.getShape());
            assertThat(sliced.contentEquals(Activations.geluTanh(x))).isTrue();
        }
    }
}
