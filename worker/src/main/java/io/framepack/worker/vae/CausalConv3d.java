package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv3d;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Scratch;

/**
 * {@code HunyuanVideoCausalConv3d}: replicate padding of {@code k−1} frames in front and
 * {@code k/2} on both sides of H and W, then an unpadded Conv3d, so every output frame sees only
 * its own and earlier input frames. Weights {@code <name>.conv.weight/bias}.
 */
final class CausalConv3d {
    private static final Shape NO_PADDING = new Shape(0, 0, 0);
    private static final Shape NO_DILATION = new Shape(1, 1, 1);

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final int kernel;
    private final Kernels kernels;

    private CausalConv3d(NDArray weight, NDArray bias, Shape stride, int kernel, Kernels kernels) {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
        this.kernel = kernel;
        this.kernels = kernels;
    }

    static CausalConv3d load(VaeParameters params, Kernels kernels, String name, long in, long out, int kernel,
                             int strideTime, int strideSpace) {
        NDArray weight = params.get(name + ".conv.weight", out, in, kernel, kernel, kernel);
        NDArray bias = params.get(name + ".conv.bias", out);
        return new CausalConv3d(weight, bias, new Shape(strideTime, strideSpace, strideSpace), kernel, kernels);
    }

    static CausalConv3d load(VaeParameters params, Kernels kernels, String name, long in, long out, int kernel) {
        return load(params, kernels, name, in, out, kernel, 1, 1);
    }

    NDArray forward(NDArray x) {
        return Scratch.run(x, input -> Conv3d.conv3d(kernels.replicatePad(input, kernel - 1, kernel / 2), weight, bias,
                stride, NO_PADDING, NO_DILATION).singletonOrThrow());
    }
}
