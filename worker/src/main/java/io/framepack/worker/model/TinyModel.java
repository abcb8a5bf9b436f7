package io.framepack.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

/**
 * The tiny random-weights model the worker bundles for {@code --demo} (resources
 * {@code framepack/demo-model/}, one folder per component), arranged in the {@link Component}
 * layout, so the directory code is exercised on the same files the demo runs.
 */
public final class TinyModel {
    private static final String BUNDLE = "framepack/demo-model/";

    private TinyModel() {
    }

    /** Writes the tiny model directory under {@code root} (created if needed) and returns it. */
    public static ModelDirectory extractTo(Path root) {
        ModelDirectory directory = ModelDirectory.at(root);
        try {
            for (String file : bundledFiles()) {
                int slash = file.indexOf('/');
                if (slash < 0) {
                    continue; // the bundle's README
                }
                Path target = directory.path(componentOf(file.substring(0, slash))).resolve(file.substring(slash + 1));
                Files.createDirectories(target.getParent());
                try (InputStream in = resource(file)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("extracting the tiny model to " + root, e);
        }
        return directory;
    }

    /** The component a bundle folder holds: its folder name is the last segment of the component's path. */
    private static Component componentOf(String folder) throws IOException {
        if (folder.equals("transformer")) {
            return Component.TRANSFORMER;
        }
        return Arrays.stream(Component.values()).filter(c -> c.relativePath().endsWith("/" + folder)).findFirst()
                .orElseThrow(() -> new IOException("the bundled tiny model has an unknown folder " + folder));
    }

    private static List<String> bundledFiles() throws IOException {
        try (InputStream in = resource("files.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = TinyModel.class.getClassLoader().getResourceAsStream(BUNDLE + name);
        if (in == null) {
            throw new IOException("the worker lacks the bundled tiny model file " + name);
        }
        return in;
    }
}
