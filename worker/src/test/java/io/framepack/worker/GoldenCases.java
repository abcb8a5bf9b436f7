package io.framepack.worker;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.TensorDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden tensors produced by the official FramePack code. The directory comes from the
 * environment variable {@code FRAMEPACK_GOLDENS}, else the system property
 * {@code framepack.goldens}, else the copy in the test resources; any directory in the same
 * format (other sizes, seeds, extra job cases in its manifest) is checked by the same tests.
 */
public final class GoldenCases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonNode manifest;

    private GoldenCases(Path dir) {
        this.dir = dir;
        try {
            this.manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("golden manifest in " + dir, e);
        }
    }

    private static final Path PUBLIC_SET = Path.of("src/test/resources/goldens/framepack-tiny");

    public static GoldenCases load() {
        String env = System.getenv("FRAMEPACK_GOLDENS");
        String property = System.getProperty("framepack.goldens");
        return open(env != null && !env.isBlank() ? Path.of(env) : property != null ? Path.of(property) : PUBLIC_SET);
    }

    /** The set in the test resources, whatever {@link #load} checks: the worker's demo model is its tiny model. */
    public static GoldenCases publicSet() {
        return open(PUBLIC_SET);
    }

    private static GoldenCases open(Path dir) {
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            throw new IllegalStateException("no golden manifest.json in " + dir.toAbsolutePath());
        }
        return new GoldenCases(dir);
    }

    public Path dir() {
        return dir;
    }

    /** A file of the golden directory, e.g. {@code transformer.safetensors}. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** The manifest entry of a case (settings, section logs, tensor list). */
    public JsonNode caseInfo(String caseName) {
        JsonNode node = manifest.path("cases").path(caseName);
        if (node.isMissingNode()) {
            throw new IllegalArgumentException("golden manifest has no case " + caseName);
        }
        return node;
    }

    /** Names of the cases whose manifest entry has {@code field} equal to {@code value}. */
    public List<String> casesWhere(String field, String value) {
        List<String> names = new ArrayList<>();
        manifest.path("cases").fields().forEachRemaining(e -> {
            if (value.equals(e.getValue().path(field).asText(null))) {
                names.add(e.getKey());
            }
        });
        return names;
    }

    /** Names of all job cases (entries with a {@code section_log}). */
    public List<String> jobCases() {
        List<String> names = new ArrayList<>();
        manifest.path("cases").fields().forEachRemaining(e -> {
            if (e.getValue().has("section_log")) {
                names.add(e.getKey());
            }
        });
        return names;
    }

    /** Tensor {@code name} of {@code <caseName>.safetensors}, in its stored dtype. */
    public NDArray tensor(String caseName, String name, NDManager manager) {
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve(caseName + ".safetensors"))) {
            return TensorDecoder.decode(file, file.entry(name), manager);
        } catch (IOException e) {
            throw new UncheckedIOException(caseName + "/" + name, e);
        }
    }

    public boolean hasTensor(String caseName, String name) {
        return caseInfo(caseName).path("tensors").has(name);
    }
}
