package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Nearest upsampling of {@code [B, C, T, H, W]} by integer factors, which DJL 0.36 lacks, composed
 * from broadcasting (replicate padding is a {@link io.framepack.worker.tensor.Kernels} op).
 */
public final class VideoOps {
    private VideoOps() {
    }

    /**
     * Nearest-neighbour upsampling of {@code [B, C, T, H, W]} by integer factors: every value is
     * repeated {@code ft × fh × fw} times (what {@code F.interpolate(mode="nearest")} does for
     * integer scale factors).
     */
    public static NDArray upsampleNearest(NDArray x, int ft, int fh, int fw) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long t = s.get(2);
        long h = s.get(3);
        long w = s.get(4);
        NDArray spread = x.reshape(b, c, t, 1, h, 1, w, 1).broadcast(new Shape(b, c, t, ft, h, fh, w, fw));
        return spread.reshape(b, c, t * ft, h * fh, w * fw);
    }
}
