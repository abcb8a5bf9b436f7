package io.framepack.worker.runtime.output;

import ai.djl.ndarray.NDManager;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.pipeline.PixelFrames;

import java.nio.file.Path;

/** Child process of {@link Mp4WriterTest}: encodes the golden job's video into the file given. */
public final class EncodeGoldenVideoMain {
    private EncodeGoldenVideoMain() {
    }

    public static void main(String[] args) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Mp4Writer.write(PixelFrames.of(GoldenCases.load().tensor("job_inverted", "final_pixels", manager)), 16, Path.of(args[0]));
        }
    }
}
