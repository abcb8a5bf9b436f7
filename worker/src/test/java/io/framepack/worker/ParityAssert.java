package io.framepack.worker;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import static org.assertj.core.api.Assertions.assertThat;

/** Parity checks in the terms the issues use: max abs error relative to the official output's max abs value. */
public final class ParityAssert {
    private ParityAssert() {
    }

    /** max|actual − expected| / max|expected|. */
    public static double relativeMaxError(NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).as("shape").isEqualTo(expected.getShape());
        NDArray a = actual.toType(DataType.FLOAT64, false);
        NDArray e = expected.toType(DataType.FLOAT64, false);
        double scale = e.abs().max().getDouble();
        double error = a.sub(e).abs().max().getDouble();
        return error / Math.max(scale, Double.MIN_NORMAL);
    }

    public static void assertClose(String what, NDArray actual, NDArray expected, double tolerance) {
        double error = relativeMaxError(actual, expected);
        assertThat(error).as("%s: relative max error", what).isLessThanOrEqualTo(tolerance);
    }
}
