package io.framepack.worker.runtime;

import io.framepack.worker.model.TinyModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The tiny random-weights model bundled with the worker ({@link TinyModel}) and a start image
 * for it. It runs the whole pipeline on a CPU in seconds; the video is noise.
 */
public final class DemoModel {
    /** The demo model works at 64-pixel scale: the 640 bucket of the image, scaled by 1/10. */
    public static final int RESOLUTION = 64;

    private DemoModel() {
    }

    /** The model directory in the official layout, unpacked below {@code cacheDir}. */
    public static Path directory(Path cacheDir) {
        return TinyModel.extractTo(cacheDir.resolve("demo-model")).root();
    }

    /** A 96×64 PNG start image. */
    public static byte[] image() {
        try (InputStream in = resource("framepack/demo-image.png")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DemoModel.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("resource " + name + " is missing from the worker");
        }
        return in;
    }
}
