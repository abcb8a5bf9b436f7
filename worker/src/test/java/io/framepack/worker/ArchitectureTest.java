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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's floors (issue #14, point 1), read from its sources so that a qualified name or a doc
 * link counts as much as an import. The command line is the composition root on top; the models
 * stand on {@code nn} and {@code tensor} alone and know nothing of the pipeline; the sampler knows
 * no model; the pipeline and the model directory are where models meet. Every worker package must
 * be placed here, so a new one cannot slip in without a floor.
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/io/framepack/worker");
    private static final Pattern WORKER_PACKAGE = Pattern.compile("\\bio\\.framepack\\.worker\\.([a-z0-9]+)\\.");
    private static final Set<String> MODEL_FLOOR = Set.of("nn", "tensor");
    private static final Set<String> MODELS = Set.of("nn", "tensor", "text", "image", "transformer", "vae");
    private static final Set<String> BELOW_RUNTIME = union(MODELS, Set.of("sampling", "pipeline", "model", "prompt",
            "lora"));

    /** For each package, the worker packages it may name. */
    private static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("tensor", Set.of()),
            Map.entry("nn", Set.of("tensor")),
            Map.entry("sampling", Set.of("tensor")),
            Map.entry("lora", Set.of("tensor")),
            Map.entry("text", MODEL_FLOOR),
            Map.entry("image", MODEL_FLOOR),
            Map.entry("transformer", MODEL_FLOOR),
            Map.entry("vae", MODEL_FLOOR),
            Map.entry("model", union(MODELS, Set.of("lora"))),
            Map.entry("pipeline", union(MODELS, Set.of("sampling"))),
            Map.entry("prompt", Set.of("pipeline")),
            Map.entry("runtime", BELOW_RUNTIME),
            Map.entry("bench", union(BELOW_RUNTIME, Set.of("runtime"))),
            Map.entry("cli", union(BELOW_RUNTIME, Set.of("runtime", "bench"))));

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

    @Test
    void everyPackageHasAFloor() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            dirs.filter(Files::isDirectory).forEach(dir -> packages.add(dir.getFileName().toString()));
        }
        assertThat(MAY_USE.keySet()).containsExactlyInAnyOrderElementsOf(packages);
    }

    private static Set<String> union(Set<String> first, Set<String> second) {
        Set<String> all = new TreeSet<>(first);
        all.addAll(second);
        return Set.copyOf(all);
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
