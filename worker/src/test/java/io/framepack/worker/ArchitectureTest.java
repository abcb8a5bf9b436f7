package io.framepack.worker;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's top floors depend only downward: the command line (the composition root) on the
 * benchmarks, the benchmarks on the runtime, the runtime on the packages beneath it (pipeline,
 * models, tensors), and nothing below on anything above. Read from the sources, so that a fully
 * qualified name counts as much as an import. {@link ModelFloorTest} orders the floors beneath.
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "framepack", "worker");
    /** Top first; every other package is below the last. */
    private static final List<String> FLOORS = List.of("cli", "bench", "runtime");
    private static final Pattern WORKER_PACKAGE = Pattern.compile("io\\.framepack\\.worker\\.(\\w+)");

    @Test
    void noPackageReferencesOneOnAHigherFloor() throws IOException {
        Set<String> upward = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String own = SOURCES.relativize(file).getName(0).toString();
                Matcher reference = WORKER_PACKAGE.matcher(Files.readString(file));
                while (reference.find()) {
                    String referenced = reference.group(1);
                    if (floor(referenced) < floor(own)) {
                        upward.add(SOURCES.relativize(file) + " (" + own + ") references " + referenced);
                    }
                }
            }
        }

        assertThat(upward).isEmpty();
    }

    private static int floor(String topPackage) {
        int floor = FLOORS.indexOf(topPackage);
        return floor < 0 ? FLOORS.size() : floor;
    }
}
