package io.framepack.worker;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's floors, read from its sources: each package below may name only the worker
 * packages listed for it (in imports, qualified names and doc links alike). The models stand on
 * {@code nn} and {@code tensor} alone and know nothing of the pipeline; the sampler knows no
 * model; the pipeline is where they meet.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/io/framepack/worker");
    private static final Pattern WORKER_PACKAGE = Pattern.compile("\\bio\\.framepack\\.worker\\.([a-z0-9]+)\\.");
    private static final Set<String> MODEL_FLOOR = Set.of("nn", "tensor");

    private static final Map<String, Set<String>> MAY_USE = Map.of(
            "tensor", Set.of(),
            "nn", Set.of("tensor"),
            "sampling", Set.of("tensor"),
            "text", MODEL_FLOOR,
            "image", MODEL_FLOOR,
            "transformer", MODEL_FLOOR,
            "vae", MODEL_FLOOR,
            "pipeline", Set.of("tensor", "nn", "sampling", "text", "image", "transformer", "vae"));

    @Test
    void everyPackageUsesOnlyTheFloorsBelowIt() {
        List<String> violations = new ArrayList<>();
        MAY_USE.forEach((pkg, allowed) -> {
            for (Path source : sources(SOURCES.resolve(pkg))) {
                Matcher used = WORKER_PACKAGE.matcher(read(source));
                while (used.find()) {
                    String other = used.group(1);
                    if (!other.equals(pkg) && !allowed.contains(other)) {
                        violations.add(SOURCES.relativize(source) + " uses " + other);
                    }
                }
            }
        });
        assertThat(violations).isEmpty();
    }

    private static List<Path> sources(Path dir) {
        assertThat(dir).as("package folder").isDirectory();
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
