package io.framepack.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The tiny model bundled with the worker for {@code --demo} and tests: the golden tiny weights of
 * the official architectures (random, so the video is noise) arranged in the full model-directory
 * layout, with small word-level LLaMA and BPE CLIP tokenizer files (vocabularies within the tiny
 * towers' 128 and 100 ids) and a 32 px SigLIP processor config. About 2.6 MB.
 */
public final class TinyModel {
    private static final String BASE = "/io/framepack/worker/model/tiny/";

    private TinyModel() {
    }

    /** Writes the tiny model directory under {@code root} (created if needed) and returns it. */
    public static ModelDirectory extractTo(Path root) {
        try {
            for (String file : files()) {
                Path target = root.resolve(file);
                Files.createDirectories(target.getParent());
                try (InputStream in = resource(file)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("extracting the tiny model to " + root, e);
        }
        return ModelDirectory.at(root);
    }

    private static List<String> files() throws IOException {
        try (InputStream in = resource("files.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = TinyModel.class.getResourceAsStream(BASE + name);
        if (in == null) {
            throw new IOException("the worker jar lacks the tiny model file " + name);
        }
        return in;
    }
}
