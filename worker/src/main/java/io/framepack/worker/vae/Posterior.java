package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

/**
 * The diagonal Gaussian the encoder predicts: {@code mean} and {@code std = exp(½·clamp(logvar, −30, 20))},
 * both {@code [B, 16, T, h, w]} in the VAE's dtype, owned by the caller's manager.
 *
 * <p>The official code samples it with PyTorch's global CUDA generator, which FramePack never
 * seeds, so its start latent is not reproducible. Here a sample is drawn from the job seed
 * instead (see {@link #seededNoise}), or the mean is used on request.
 */
public record Posterior(NDArray mean, NDArray std) implements AutoCloseable {
    /** Mixed into the job seed so the posterior noise is a stream of its own, unrelated to the section noise. */
    private static final long STREAM = 0x5641455f706f7374L; // "VAE_post"

    static Posterior fromMoments(NDArray moments) {
        long channels = moments.getShape().get(1) / 2;
        NDArray mean = moments.get(":, 0:" + channels);
        NDArray logVariance = moments.get(":, " + channels + ":").clip(-30f, 20f);
        NDArray std = logVariance.mul(0.5f).exp();
        logVariance.close();
        return new Posterior(mean, std);
    }

    /** {@code mean + std · epsilon}, with {@code epsilon} standard normal noise of the posterior's shape. */
    public NDArray sample(NDArray epsilon) {
        if (!epsilon.getShape().equals(mean.getShape())) {
            throw new IllegalArgumentException("posterior noise has shape " + epsilon.getShape() + ", expected "
                    + mean.getShape());
        }
        return mean.add(std.mul(epsilon.toType(std.getDataType(), false)));
    }

    /**
     * Standard normal noise for {@code shape}, fully determined by {@code seed}: {@link Random}
     * (a specified algorithm, identical on every JVM) seeded with the job seed XOR a fixed stream
     * constant, {@code nextGaussian()} in row-major order, rounded to float32. It lives on the CPU
     * in Java, so drawing it never disturbs libtorch's global generator, which the section noise uses.
     */
    public static NDArray seededNoise(long seed, Shape shape, NDManager manager) {
        Random random = new Random(seed ^ STREAM);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape).toType(DataType.FLOAT32, false);
    }

    @Override
    public void close() {
        mean.close();
        std.close();
    }
}
