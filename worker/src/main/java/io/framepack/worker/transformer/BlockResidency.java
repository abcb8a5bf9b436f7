package io.framepack.worker.transformer;

/**
 * How many bytes of transformer weights may stay on the device; the blocks beyond that are
 * streamed from host memory for every forward, which gives the same numbers, only slower.
 *
 * @param deviceBytes weights (embedders, refiner, output head and resident blocks) allowed on the
 *                    device; {@link Long#MAX_VALUE} keeps everything there
 */
public record BlockResidency(long deviceBytes) {
    /** Every weight on the device. */
    public static final BlockResidency ALL = new BlockResidency(Long.MAX_VALUE);

    public BlockResidency {
        if (deviceBytes <= 0) {
            throw new IllegalArgumentException("the transformer's device budget must be positive, got " + deviceBytes);
        }
    }
}
