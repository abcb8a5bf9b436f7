package io.framepack.worker.sampling;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The official job noise, bit for bit: {@code torch.randn} from a CPU generator seeded with the
 * job seed. libtorch's global CPU generator, reached through DJL ({@code Engine.setRandomSeed}
 * and {@code randomNormal} on a CPU manager), runs the very same MT19937 and normal kernel, so the
 * draws equal the official code's when libtorch dispatches at AVX2 or AVX-512 (any x86 GPU host).
 *
 * <p>Because that generator is process-wide, this class remembers which source drew from it last
 * and how far: when another source interleaved, or a draw other than the next one is asked for
 * (a resumed job, a section abandoned mid-way and redone), it re-seeds and replays draws of the
 * same shape up to the requested one. Nothing else in the worker may draw from libtorch's global
 * CPU generator while jobs run.
 */
public final class SeededNoise implements NoiseSource {
    private static final Object GENERATOR_LOCK = new Object();
    private static SeededNoise generatorOwner;
    private static int generatorPosition;

    private final long seed;

    /** @param seed the job seed; like torch's CPU generator only its low 32 bits matter */
    public SeededNoise(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    @Override
    public NDArray draw(int index, Shape shape, NDManager manager) {
        if (index < 0) {
            throw new IllegalArgumentException("negative noise draw " + index);
        }
        synchronized (GENERATOR_LOCK) {
            try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
                if (generatorOwner != this || generatorPosition > index) {
                    Engine.getEngine("PyTorch").setRandomSeed((int) seed);
                    generatorOwner = this;
                    generatorPosition = 0;
                }
                while (generatorPosition < index) {
                    cpu.randomNormal(0f, 1f, shape, DataType.FLOAT32).close();
                    generatorPosition++;
                }
                NDArray noise = cpu.randomNormal(0f, 1f, shape, DataType.FLOAT32);
                generatorPosition++;
                NDArray placed = noise.toDevice(manager.getDevice(), false);
                placed.attach(manager);
                return placed;
            }
        }
    }
}
