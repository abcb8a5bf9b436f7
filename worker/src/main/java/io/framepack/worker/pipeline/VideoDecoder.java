package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;

/** Latents to pixels, as the section loop needs it: the HunyuanVideo VAE's {@code decode}, adapted where the loop is built. */
@FunctionalInterface
public interface VideoDecoder {

    /**
     * Decodes scaled latents {@code [1,16,T,h,w]} (float32) to pixels {@code [1,3,4(T-1)+1,8h,8w]}
     * roughly in [-1, 1], with the temporal tiling the official decode applies.
     */
    NDArray decode(NDArray scaledLatents);
}
