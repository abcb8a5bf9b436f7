package io.framepack.worker.image;

/**
 * Pillow's separable resampler for 8-bit images ({@code Image.resize} without a box or reducing
 * gap, Pillow 11 {@code Resample.c}), re-implemented so that the Java output equals the official
 * code's bit for bit: for each output coordinate the filter (widened by the downscale factor) is
 * evaluated in double, normalised to sum 1, quantised to 22-bit fixed point, and applied with a
 * rounding offset and clamp; the horizontal pass runs first, over only the rows the vertical pass
 * will read. libtorch's uint8 antialiased resize is the same algorithm with 16-bit weights
 * ({@link FixedPoint#TORCH_UINT8}).
 */
public final class PillowResampler {
    private static final int PILLOW_PRECISION_BITS = 32 - 8 - 2;

    /**
     * How the normalised weights become integers. Both run the same separable algorithm; only the
     * number of fractional bits differs, which moves a rare value by one step.
     */
    public enum FixedPoint {
        /** Pillow 11 {@code Resample.c}: 22 fractional bits in 32-bit weights. */
        PILLOW,
        /**
         * libtorch's uint8 antialiased resize ({@code interpolate(..., antialias=True)}, used by
         * torchvision and the transformers "fast" image processors): 16-bit weights with as many
         * fractional bits as the axis's largest weight allows.
         */
        TORCH_UINT8
    }

    /** The filters the official preprocessing uses, with their support radius at scale 1. */
    public enum Filter {
        /** {@code Image.LANCZOS}: Lanczos-3 (truncated sinc windowed by sinc). */
        LANCZOS(3.0) {
            @Override
            double weight(double x) {
                return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
            }
        },
        /** {@code Image.BICUBIC}: Keys cubic with a = −0.5. */
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                final double a = -0.5;
                double t = Math.abs(x);
                if (t < 1.0) {
                    return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
                }
                if (t < 2.0) {
                    return (((t - 5) * t + 8) * t - 4) * a;
                }
                return 0.0;
            }
        };

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        abstract double weight(double x);

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            double px = x * Math.PI;
            return Math.sin(px) / px;
        }
    }

    private PillowResampler() {
    }

    /** {@code image} resized to {@code width × height} with {@code filter}, as Pillow does it. */
    public static RgbImage resize(RgbImage image, int width, int height, Filter filter) {
        return resize(image, width, height, filter, FixedPoint.PILLOW);
    }

    public static RgbImage resize(RgbImage image, int width, int height, Filter filter, FixedPoint fixedPoint) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return image;
        }
        Coefficients horizontal = Coefficients.compute(image.width(), width, filter, fixedPoint);
        Coefficients vertical = Coefficients.compute(image.height(), height, filter, fixedPoint);
        RgbImage source = image;
        int rowOffset = 0;
        if (width != image.width()) {
            int firstRow = vertical.start[0];
            int lastRow = vertical.start[height - 1] + vertical.count[height - 1];
            source = horizontalPass(image, horizontal, firstRow, lastRow - firstRow);
            rowOffset = firstRow;
        }
        if (height == image.height()) {
            return source;
        }
        return verticalPass(source, vertical, rowOffset);
    }

    /** Per output index: the first input index, how many inputs, and their fixed-point weights. */
    private record Coefficients(int[] start, int[] count, int[][] weights, int precisionBits) {

        static Coefficients compute(int inSize, int outSize, Filter filter, FixedPoint fixedPoint) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            double inverseScale = 1.0 / filterScale;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            double[][] normalised = new double[outSize][];
            for (int out = 0; out < outSize; out++) {
                double center = (out + 0.5) * scale;
                // Pillow rounds the window ends with (int)(v + 0.5), i.e. truncation toward zero.
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize);
                int n = max - min;
                double[] w = new double[n];
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    w[i] = filter.weight((i + min - center + 0.5) * inverseScale);
                    sum += w[i];
                }
                for (int i = 0; i < n; i++) {
                    if (sum != 0.0) {
                        w[i] /= sum;
                    }
                }
                start[out] = min;
                count[out] = n;
                normalised[out] = w;
            }
            int bits = fixedPoint == FixedPoint.PILLOW ? PILLOW_PRECISION_BITS : torchPrecisionBits(normalised);
            int[][] weights = new int[outSize][];
            for (int out = 0; out < outSize; out++) {
                double[] w = normalised[out];
                weights[out] = new int[w.length];
                for (int i = 0; i < w.length; i++) {
                    double scaled = w[i] * (1 << bits);
                    weights[out][i] = (int) (w[i] < 0 ? scaled - 0.5 : scaled + 0.5);
                }
            }
            return new Coefficients(start, count, weights, bits);
        }

        /** The most fractional bits for which the axis's largest weight still fits a signed 16-bit value. */
        private static int torchPrecisionBits(double[][] normalised) {
            double largest = 0.0;
            for (double[] w : normalised) {
                for (double v : w) {
                    largest = Math.max(largest, v);
                }
            }
            int bits = 0;
            while (bits < PILLOW_PRECISION_BITS && (int) (0.5 + largest * (1 << (bits + 1))) < (1 << 15)) {
                bits++;
            }
            return bits;
        }
    }

    private static RgbImage horizontalPass(RgbImage in, Coefficients c, int firstRow, int rows) {
        int outWidth = c.start.length;
        byte[] out = new byte[outWidth * rows * 3];
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + firstRow) * in.width() * 3;
            for (int x = 0; x < outWidth; x++) {
                applyTaps(in.pixels(), rowBase + c.start[x] * 3, 3, c.weights[x], c.precisionBits,
                        out, (y * outWidth + x) * 3);
            }
        }
        return new RgbImage(outWidth, rows, out);
    }

    private static RgbImage verticalPass(RgbImage in, Coefficients c, int rowOffset) {
        int outHeight = c.start.length;
        int width = in.width();
        byte[] out = new byte[width * outHeight * 3];
        for (int y = 0; y < outHeight; y++) {
            int firstRow = c.start[y] - rowOffset;
            for (int x = 0; x < width; x++) {
                applyTaps(in.pixels(), (firstRow * width + x) * 3, width * 3, c.weights[y], c.precisionBits,
                        out, (y * width + x) * 3);
            }
        }
        return new RgbImage(width, outHeight, out);
    }

    /** One RGB output pixel: the taps {@code k} over input pixels {@code stride} bytes apart from {@code base}. */
    private static void applyTaps(byte[] src, int base, int stride, int[] k, int bits, byte[] out, int o) {
        int r = 1 << (bits - 1);
        int g = r;
        int b = r;
        for (int i = 0; i < k.length; i++) {
            int p = base + i * stride;
            r += (src[p] & 0xFF) * k[i];
            g += (src[p + 1] & 0xFF) * k[i];
            b += (src[p + 2] & 0xFF) * k[i];
        }
        out[o] = clip8(r, bits);
        out[o + 1] = clip8(g, bits);
        out[o + 2] = clip8(b, bits);
    }

    private static byte clip8(int accumulator, int bits) {
        if (accumulator >= (1 << bits << 8)) {
            return (byte) 255;
        }
        if (accumulator <= 0) {
            return 0;
        }
        return (byte) (accumulator >> bits);
    }
}
