package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv3d;

/** A plain 1×1×1 Conv3d ({@code quant_conv}, {@code post_quant_conv}): a per-position channel mix. */
final class PointwiseConv {
    private final NDArray weight;
    private final NDArray bias;

    PointwiseConv(VaeParameters params, String name, long channels) {
        this.weight = params.get(name + ".weight", channels, channels, 1, 1, 1);
        this.bias = params.get(name + ".bias", channels);
    }

    NDArray forward(NDArray x) {
        return Conv3d.conv3d(x, weight, bias, new Shape(1, 1, 1), new Shape(0, 0, 0), new Shape(1, 1, 1))
                .singletonOrThrow();
    }
}
