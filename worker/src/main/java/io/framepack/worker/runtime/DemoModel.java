package io.framepack.worker.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The tiny random-weights model bundled with the worker (resources {@code framepack/demo-model/}),
 * unpacked into a directory on first use, and a start image for it. It runs the whole pipeline
 * on a CPU in seconds; the video is noise.
 */
public final class DemoModel {
    private static final String ROOT = "framepack/demo-model/";
    /** The demo model works at 64-pixel scale: the 640 bucket of the image, scaled by 1/10. */
    public static final int RESOLUTION = 64;

    private DemoModel() {
    }

    /** The model directory, unpacked below {@code cacheDir} (once; later calls reuse it). */
    public static Path directory(Path cacheDir) {
        Path target = cacheDir.resolve("demo-model");
        try {
            String index = new String(resource(ROOT + "files.txt").readAllBytes(), StandardCharsets.UTF_8);
            for (String file : index.split("\n")) {
                if (file.isBlank()) {
                    continue;
                }
                Path destination = target.resolve(file);
                if (Files.isRegularFile(destination)) {
                    continue;
                }
                Files.createDirectories(destination.getParent());
                Path partial = destination.resolveSibling(destination.getFileName() + ".part");
                try (InputStream in = resource(ROOT + file)) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(partial, destination, StandardCopyOption.ATOMIC_MOVE);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the demo model into " + target, e);
        }
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
