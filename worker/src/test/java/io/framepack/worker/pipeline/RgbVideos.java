package io.framepack.worker.pipeline;

import java.io.ByteArrayOutputStream;

/** Test views of a {@link VideoFrames}. */
public final class RgbVideos {
    private RgbVideos() {
    }

    /** Every frame's RGB bytes, one after the other. */
    public static byte[] all(VideoFrames video) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int f = 0; f < video.frameCount(); f++) {
            bytes.writeBytes(video.rgb(f));
        }
        return bytes.toByteArray();
    }

    /** The last frame's RGB bytes. */
    public static byte[] last(VideoFrames video) {
        return video.rgb(video.frameCount() - 1);
    }
}
