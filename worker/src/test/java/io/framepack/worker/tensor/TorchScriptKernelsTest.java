package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Activations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The packed TorchScript kernels load on DJL's CPU libtorch and agree with the pure-DJL fallback. */
class TorchScriptKernelsTest {
    private static Kernels pack;
    private static final Kernels FALLBACK = new DjlKernels();

    @BeforeAll
    static void loadPack() {
        pack = Kernels.load();
    }

    @AfterAll
    static void closePack() {
        pack.close();
    }

    @Test
    void packLoadsFromTheClasspath() {
        assertThat(pack).isInstanceOf(TorchScriptKernels.class);
        assertThat(pack.supportsBfloat16()).isTrue();
        assertThat(pack.supportsGeluTanh()).isTrue();
    }

    @Test
    void copiesBfloat16ArraysWhichDjlCannotCopy() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray bf16 = pack.toBfloat16(manager.create(new float[] {1.5f, -2.25f, 3e5f}));
            NDArray copy = pack.copyToDeviceOf(bf16, manager.zeros(new Shape(1)));
            NDArray widened = copy.toType(DataType.FLOAT32, false);
            copy.close();
            // The copy is its own tensor: closing it leaves the original readable.
            assertThat(widened.toFloatArray()).containsExactly(bf16.toType(DataType.FLOAT32, false).toFloatArray());
        }
    }

    @Test
    void attentionAgreesWithTheFallback() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            NDArray q = manager.randomNormal(new Shape(2, 3, 37, 16));
            NDArray k = manager.randomNormal(new Shape(2, 3, 45, 16));
            NDArray v = manager.randomNormal(new Shape(2, 3, 45, 16));
            assertClose(pack.attention(q, k, v, null), FALLBACK.attention(q, k, v, null));
        }
    }

    @Test
    void maskedAttentionAgreesWithTheFallback() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(12);
            NDArray q = manager.randomNormal(new Shape(1, 2, 29, 8));
            NDArray k = manager.randomNormal(new Shape(1, 2, 29, 8));
            NDArray v = manager.randomNormal(new Shape(1, 2, 29, 8));
            // Random per-query blocking; key 0 stays visible so no row is fully masked (as in the refiner).
            Random random = new Random(3);
            boolean[] allowed = new boolean[29 * 29];
            for (int i = 0; i < allowed.length; i++) {
                allowed[i] = i % 29 == 0 || random.nextFloat() > 0.4f;
            }
            NDArray mask = manager.create(allowed).reshape(1, 1, 29, 29);
            NDArray masked = pack.attention(q, k, v, mask);
            assertClose(masked, FALLBACK.attention(q, k, v, mask));
            assertThat(masked.sub(pack.attention(q, k, v, null)).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        Random random = new Random(5);
        float[] values = new float[4096];
        for (int i = 0; i < values.length; i++) {
            int bits = random.nextInt();
            // Every third value is an exact tie (low half 0x8000) to check the even rule.
            if (i % 3 == 0) {
                bits = (bits & 0xFFFF0000) | 0x8000;
            }
            float value = Float.intBitsToFloat(bits);
            values[i] = Float.isNaN(value) ? i : value;
        }
        values[0] = Float.MAX_VALUE;
        values[1] = Float.MIN_VALUE;
        values[2] = -0.0f;
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] rounded = pack.toBfloat16(manager.create(values)).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                assertThat(Float.floatToRawIntBits(rounded[i]))
                        .as("bf16(%s)", values[i])
                        .isEqualTo(Float.floatToRawIntBits(roundToBfloat16(values[i])));
            }
        }
    }

    @Test
    void fusedGeluTanhAgreesWithTheComposedOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(0, 4, new Shape(3, 257), DataType.FLOAT32);
            assertClose(pack.geluTanh(x), Activations.geluTanh(x));
        }
    }

    @Test
    void bothReplicatePadsCopyTheFirstFrameInFrontAndTheEdgesAround() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // [1, 1, T=2, H=2, W=2], value = 100·t + 10·y + x
            NDArray x = manager.create(new float[] {0, 1, 10, 11, 100, 101, 110, 111}, new Shape(1, 1, 2, 2, 2));
            for (Kernels kernels : new Kernels[] {pack, FALLBACK}) {
                NDArray padded = kernels.replicatePad(x, 2, 1);
                assertThat(padded.getShape()).isEqualTo(new Shape(1, 1, 4, 4, 4));
                float[] v = padded.toFloatArray();
                for (int t = 0; t < 4; t++) {
                    for (int y = 0; y < 4; y++) {
                        for (int xx = 0; xx < 4; xx++) {
                            int st = Math.max(0, t - 2);
                            int sy = Math.min(1, Math.max(0, y - 1));
                            int sx = Math.min(1, Math.max(0, xx - 1));
                            assertThat(v[(t * 4 + y) * 4 + xx]).as("%s t%d y%d x%d", kernels, t, y, xx)
                                    .isEqualTo(100f * st + 10f * sy + sx);
                        }
                    }
                }
            }
        }
    }

    @Test
    void fusedGroupNormAgreesWithTheComposedOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(13);
            NDArray video = manager.randomNormal(2, 3, new Shape(2, 8, 3, 5, 4), DataType.FLOAT32);
            NDArray weight = manager.randomNormal(new Shape(8));
            NDArray bias = manager.randomNormal(new Shape(8));
            assertClose(pack.groupNorm(video, 4, weight, bias, 1e-6f), FALLBACK.groupNorm(video, 4, weight, bias, 1e-6f));
        }
    }

    /** IEEE round-to-nearest-even of a finite float to bfloat16, widened back to float. */
    private static float roundToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    private static void assertClose(NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).isEqualTo(expected.getShape());
        float scale = expected.abs().max().getFloat();
        assertThat(actual.sub(expected).abs().max().getFloat()).isLessThanOrEqualTo(1e-5f * Math.max(1, scale));
    }
}
