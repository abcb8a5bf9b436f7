package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;

import java.util.Arrays;

/**
 * The pure-DJL fallback: attention composed from matMul and softmax (materialises the full
 * score matrix, fine for tests and small inputs), group norm and replicate padding composed from
 * several passes each, no bfloat16.
 */
public final class DjlKernels implements Kernels {
    private static final int TIME = 2;
    private static final int HEIGHT = 3;
    private static final int WIDTH = 4;

    @Override
    public NDArray toBfloat16(NDArray x) {
        throw new UnsupportedOperationException(
                "bfloat16 needs the TorchScript kernel pack (DJL 0.36 cannot create bfloat16 arrays)");
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        float scale = (float) (1.0 / Math.sqrt(q.getShape().get(q.getShape().dimension() - 1)));
        NDArray scores = q.mul(scale).matMul(k.swapAxes(-1, -2));
        if (mask != null) {
            // A large negative rather than -inf keeps fully masked rows finite, as SDPA does not promise.
            NDArray blocked = mask.logicalNot().toType(scores.getDataType(), false).mul(-1e30f);
            scores = scores.add(blocked);
        }
        return scores.softmax(-1).matMul(v);
    }

    /** A LayerNorm over each group's values, then the affine: three passes where PyTorch's kernel makes one. */
    @Override
    public NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps) {
        Shape shape = x.getShape();
        NDArray grouped = x.reshape(shape.get(0), groups, -1);
        Shape groupShape = new Shape(grouped.getShape().get(2));
        NDArray normed = LayerNorm.layerNorm(grouped, groupShape, x.getManager().ones(groupShape, x.getDataType()),
                x.getManager().zeros(groupShape, x.getDataType()), eps).singletonOrThrow().reshape(shape);
        long[] perChannel = new long[shape.dimension()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = shape.get(1);
        return normed.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
    }

    /** Concatenations of edge slices, one per padded axis side. */
    @Override
    public NDArray replicatePad(NDArray x, int front, int spatial) {
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
        long index = start ? 0 : x.getShape().get(axis) - 1;
        NDArray edge = x.get(new NDIndex(":,".repeat(axis) + index + ":" + (index + 1)));
        return count == 1 ? edge : edge.repeat(axis, count);
    }

    @Override
    public NDArray copyToDeviceOf(NDArray x, NDArray like) {
        return x.toDevice(like.getDevice(), true);
    }

    @Override
    public boolean supportsBfloat16() {
        return false;
    }

    @Override
    public void close() {
    }
}
