package io.framepack.worker.pipeline;

/** A video as the 8-bit RGB frames its MP4 is encoded from, one frame at a time. */
public interface VideoFrames {
    int frameCount();

    int height();

    int width();

    /** Frame {@code f} as interleaved RGB bytes, row-major ({@code H*W*3}). */
    byte[] rgb(int f);
}
