package io.framepack.worker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The models are one floor (issue #14, point 1): a model package names nothing of the worker but
 * the {@code nn} and {@code tensor} floors below it (layers, kernels, safetensors reading), so each
 * model can be read, tested and changed on its own; the model directory and the pipeline, above
 * them, are where models are joined. The VAE joins this list once its decoder no longer
 * implements the pipeline's interface.
 */
class ModelFloorTest {
    private static final Path SOURCES = Path.of("src/main/java/io/framepack/worker");
    /** Any mention of a class in a worker package: imports, qualified names, doc links. */
    private static final Pattern WORKER_PACKAGE = Pattern.compile("io\\.framepack\\.worker\\.([a-z]+)\\.");

    @ParameterizedTest
    @CsvSource({"text, nn tensor", "image, nn tensor", "transformer, nn tensor", "nn, tensor"})
    void namesOnlyTheFloorsBelow(String floor, String below) throws IOException {
        Set<String> allowed = new TreeSet<>(Arrays.asList(below.split(" ")));
        allowed.add(floor);
        Set<String> named = new TreeSet<>();
        try (Stream<Path> files = Files.list(SOURCES.resolve(floor))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher matcher = WORKER_PACKAGE.matcher(Files.readString(file));
                while (matcher.find()) {
                    if (!allowed.contains(matcher.group(1))) {
                        named.add(file.getFileName() + " names " + matcher.group(1));
                    }
                }
            }
        }
        assertThat(named).as("packages above " + floor).isEmpty();
    }
}
