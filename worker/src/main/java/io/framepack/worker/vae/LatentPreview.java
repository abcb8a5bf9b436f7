package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Scratch;

/**
 * The official cheap preview ({@code vae_decode_fake}): a fixed linear map of the 16 latent
 * channels to RGB plus a bias, clamped to [0, 1]; no VAE involved.
 */
public final class LatentPreview {
    /** Row c = the (R, G, B) contribution of latent channel c; values of the official table. */
    private static final float[][] RGB_PER_CHANNEL = {
            {-0.0395f, -0.0331f, 0.0445f},
            {0.0696f, 0.0795f, 0.0518f},
            {0.0135f, -0.0945f, -0.0282f},
            {0.0108f, -0.0250f, -0.0765f},
            {-0.0209f, 0.0032f, 0.0224f},
            {-0.0804f, -0.0254f, -0.0639f},
            {-0.0991f, 0.0271f, -0.0669f},
            {-0.0646f, -0.0422f, -0.0400f},
            {-0.0696f, -0.0595f, -0.0894f},
            {-0.0799f, -0.0208f, -0.0375f},
            {0.1166f, 0.1627f, 0.0962f},
            {0.1165f, 0.0432f, 0.0407f},
            {-0.2315f, -0.1920f, -0.1355f},
            {-0.0270f, 0.0401f, -0.0821f},
            {-0.0616f, -0.0997f, -0.0727f},
            {0.0249f, -0.0469f, -0.1703f},
    };
    private static final float[] RGB_BIAS = {0.0259f, -0.0192f, -0.0761f};

    private LatentPreview() {
    }

    /** Latents {@code [B, 16, T, h, w]} (unscaled or scaled alike, as the official code uses it) to RGB {@code [B, 3, T, h, w]} in [0, 1]. */
    public static NDArray rgb(NDArray latents) {
        Shape s = latents.getShape();
        if (s.dimension() != 5 || s.get(1) != RGB_PER_CHANNEL.length) {
            throw new IllegalArgumentException("latent preview needs [B, 16, T, h, w], got " + s);
        }
        float[] matrix = new float[3 * RGB_PER_CHANNEL.length];
        for (int c = 0; c < RGB_PER_CHANNEL.length; c++) {
            for (int rgb = 0; rgb < 3; rgb++) {
                matrix[rgb * RGB_PER_CHANNEL.length + c] = RGB_PER_CHANNEL[c][rgb];
            }
        }
        return Scratch.run(latents, x -> {
            DataType dtype = x.getDataType();
            NDArray weight = x.getManager().create(matrix, new Shape(3, RGB_PER_CHANNEL.length, 1, 1, 1))
                    .toType(dtype, false);
            NDArray bias = x.getManager().create(RGB_BIAS).toType(dtype, false);
            return ai.djl.nn.convolutional.Conv3d.conv3d(x, weight, bias).singletonOrThrow().clip(0f, 1f);
        });
    }
}
