package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Scalars;

import java.util.function.UnaryOperator;

/** Normalisations over the last axis (layer, RMS); group norm is a {@link io.framepack.worker.tensor.Kernels} op. */
public final class Norms {
    private Norms() {
    }

    /**
     * LayerNorm over the last axis with the affine {@code weight}/{@code bias}. A norm without
     * affine (the transformer's AdaLN norms) passes explicit ones and zeros, made in the caller's
     * dtype (DJL cannot create bfloat16 ones itself).
     */
    public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, float eps) {
        long features = x.getShape().get(x.getShape().dimension() - 1);
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(features), weight, bias, eps).singletonOrThrow();
    }

    /**
     * RMSNorm over the last axis: statistics in float32, the normalised value rounded back to
     * {@code x}'s dtype by {@code toInputDtype} (needed for bfloat16, which DJL's {@code toType}
     * cannot produce) before the weight multiplies it (the order of the official code).
     */
    public static NDArray rmsNorm(NDArray x, NDArray weight, float eps, UnaryOperator<NDArray> toInputDtype) {
        NDArray wide = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray squares = wide.square();
        NDArray variance = squares.mean(new int[] {-1}, true);
        // Free the float32 temporaries as soon as they are used up (0.2 GB each for the
        // transformer's queries at 18 k tokens); a widened copy of x is scaled in place.
        squares.close();
        NDArray inverseRms = variance.add(Scalars.of(eps)).pow(Scalars.of(-0.5f));
        NDArray normed = wide == x ? wide.mul(inverseRms) : wide.muli(inverseRms);
        if (x.getDataType() != DataType.FLOAT32) {
            normed = toInputDtype.apply(normed);
        }
        return normed.mul(weight);
    }
}
