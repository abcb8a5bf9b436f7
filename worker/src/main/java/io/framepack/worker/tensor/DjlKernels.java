package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;

/**
 * The pure-DJL fallback: attention composed from matMul and softmax (materialises the full
 * score matrix, fine for tests and small inputs), no bfloat16.
 */
public final class DjlKernels implements Kernels {

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
