package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Video-tensor ops DJL 0.36 lacks, for {@code [B, C, T, H, W]}: replicate padding and nearest
 * upsampling by integer factors, composed from slicing, broadcasting and concatenation.
 */
public final class VideoOps {
    private static final int TIME = 2;
    private static final int HEIGHT = 3;
    private static final int WIDTH = 4;

    private VideoOps() {
    }

    /**
     * Replicate padding: {@code front} copies of the first frame before time (none after), and
     * {@code spatial} copies of the edge rows/columns on both sides of height and width.
     */
    public static NDArray replicatePad(NDArray x, int front, int spatial) {
        NDArray padded = x;
        if (front > 0) {
            padded = repeatEdge(padded, TIME, true, front).concat(padded, TIME);
        }
        if (spatial > 0) {
            for (int axis : new int[] {HEIGHT, WIDTH}) {
                padded = NDArrays.concat(new NDList(repeatEdge(padded, axis, true, spatial), padded,
                        repeatEdge(padded, axis, false, spatial)), axis);
            }
        }
        return padded;
    }

    /** {@code count} copies of the first ({@code start}) or last slice along {@code axis}. */
    private static NDArray repeatEdge(NDArray x, int axis, boolean start, int count) {
        long size = x.getShape().get(axis);
        long index = start ? 0 : size - 1;
        NDArray edge = x.get(slice(axis, index, index + 1));
        return count == 1 ? edge : edge.repeat(axis, count);
    }

    private static NDIndex slice(int axis, long from, long to) {
        StringBuilder spec = new StringBuilder();
        for (int i = 0; i < axis; i++) {
            spec.append(":,");
        }
        spec.append(from).append(':').append(to);
        return new NDIndex(spec.toString());
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
