package io.framepack.api.worker;

/**
 * How much of the model a worker keeps on its GPU, chosen at start from the device's free memory
 * or the render's {@code spec.resources.gpuMemory} budget. Every tier gives the same latents;
 * only the VAE's spatial tiling changes the pixels slightly (as the official low-VRAM mode does).
 * The text and image encoders are loaded only while encoding, in every tier.
 */
public enum MemoryTier {
    /** Transformer and VAE resident, whole-frame VAE decode. */
    Resident,
    /** Transformer resident, VAE decode and encode in the official 256-pixel spatial tiles. */
    TiledVae,
    /** Only as many transformer blocks resident as fit, the rest copied in from host memory for every use; tiled VAE. */
    Streamed
}
