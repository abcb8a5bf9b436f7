package io.framepack.worker.vae;

/**
 * The spatial tiling diffusers' {@code enable_tiling()} turns on for the HunyuanVideo VAE, which the
 * official demo enables on GPUs with 60 GB free or less: pixel tiles of {@code tile} px taken every
 * {@code stride} px, neighbours cross-faded over the overlap. It bounds the decoder's memory by a
 * tile's instead of the frame's, and changes the pixels slightly (the seams are blended, not exact).
 *
 * @param tile   side of a pixel tile; a multiple of the VAE's spatial compression
 * @param stride distance between tile starts; a multiple of the compression, below {@code tile}
 */
public record SpatialTiling(int tile, int stride) {
    /** diffusers' defaults, which the official code keeps: 256 px tiles every 192 px. */
    public static final SpatialTiling OFFICIAL = new SpatialTiling(256, 192);

    public SpatialTiling {
        if (stride <= 0 || stride >= tile) {
            throw new IllegalArgumentException("VAE tiles need 0 < stride < tile, got tile " + tile + ", stride " + stride);
        }
    }

    void checkFits(VaeConfig config) {
        int ratio = config.spatialCompressionRatio();
        if (tile % ratio != 0 || stride % ratio != 0) {
            throw new IllegalArgumentException("VAE tile " + tile + " and stride " + stride
                    + " must be multiples of the spatial compression " + ratio);
        }
    }
}
