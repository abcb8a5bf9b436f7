package io.framepack.operator;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CRD in {@code crds/} is the one the build generates from the Java model. A Quarkus test (it
 * shares the application of the other Quarkus tests), so the build step that writes the generated
 * file has run before it is read.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class CrdDriftTest {
    private static final Path GENERATED = Path.of("target", "kubernetes", "videogenerations.framepack.io-v1.yml");

    @Test
    void committedCrdMatchesTheGeneratedOne() throws IOException {
        assertThat(GENERATED).exists();
        assertThat(Files.readString(CrdSchema.CRD_FILE))
                .as("crds/ is out of date: copy operator/" + GENERATED + " to " + CrdSchema.CRD_FILE.normalize())
                .isEqualTo(Files.readString(GENERATED));
    }

    @Test
    void everyDefaultHasAValue() throws IOException {
        assertThat(Files.readString(GENERATED)).doesNotContain("default: null");
    }
}
