package io.framepack.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.VideoGeneration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Valid and invalid manifests against the committed CRD (OpenAPI schema plus CEL rules, which the
 * mock API server enforces neither of), and the operator's own re-validation on the same cases.
 */
class CrdValidationTest {
    private static final String MINIMAL = """
            apiVersion: framepack.io/v1alpha1
            kind: VideoGeneration
            metadata: {name: minimal, namespace: default}
            spec:
              input:
                image: {url: "https://example.com/girl.png"}
                prompt: "The girl dances gracefully."
            """;
    private static CrdSchema schema;

    @BeforeAll
    static void load() throws IOException {
        schema = new CrdSchema();
    }

    @Test
    void everyCelRuleCompiles() {
        assertThat(schema.rules()).hasSizeGreaterThanOrEqualTo(14);
        schema.rules().forEach((where, rule) -> assertThat(schema.compileErrors(rule)).as(where).isEmpty());
    }

    @Test
    void exampleManifestsAreValid() throws IOException {
        try (Stream<Path> examples = Files.list(Path.of("..", "src", "examples"))) {
            List<Path> files = examples.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertThat(files).isNotEmpty();
            for (Path file : files) {
                JsonNode manifest = CrdSchema.yaml(Files.readString(file));
                assertThat(schema.validateCreate(manifest)).as(file.toString()).isEmpty();
                assertThat(operatorProblems(manifest)).as(file.toString()).isEmpty();
            }
        }
    }

    @Test
    void defaultsFollowTheOfficialDemo() {
        JsonNode manifest = CrdSchema.yaml(MINIMAL);
        assertThat(schema.validateCreate(manifest)).isEmpty();
        JsonNode render = manifest.at("/spec/render");
        assertThat(render.isMissingNode()).isTrue(); // no default object: the operator fills the settings
        JsonNode defaulted = CrdSchema.yaml(MINIMAL.replace("  input:", "  render: {}\n  resources: {}\n  input:"));
        assertThat(schema.validateCreate(defaulted)).isEmpty();
        assertThat(defaulted.at("/spec/render/seconds").asDouble()).isEqualTo(5.0);
        assertThat(defaulted.at("/spec/render/seed").asLong()).isEqualTo(31337);
        assertThat(defaulted.at("/spec/render/steps").asInt()).isEqualTo(25);
        assertThat(defaulted.at("/spec/render/distilledGuidance").asDouble()).isEqualTo(10.0);
        assertThat(defaulted.at("/spec/render/cfg").asDouble()).isEqualTo(1.0);
        assertThat(defaulted.at("/spec/render/latentWindowSize").asInt()).isEqualTo(9);
        assertThat(defaulted.at("/spec/render/crf").asInt()).isEqualTo(16);
        assertThat(defaulted.at("/spec/render/variant").asText()).isEqualTo("inverted");
        // No default: the API server must leave it unset for the operator's cluster-wide setting to apply.
        assertThat(defaulted.at("/spec/resources/gpuResourceName").isMissingNode()).isTrue();
        assertThat(defaulted.at("/spec/resources/gpus").asInt()).isEqualTo(1);
    }

    static Stream<Arguments> invalidManifests() {
        return Stream.of(
                invalid("no prompt", "    prompt: \"The girl dances gracefully.\"\n", "", ".spec.input.prompt: Required value", true),
                invalid("two image sources", "{url: \"https://example.com/girl.png\"}",
                        "{url: \"https://example.com/girl.png\", inline: \"iVBORw0KGgo=\"}", "exactly one of url, pvc, s3 or inline", true),
                invalid("no image source", "{url: \"https://example.com/girl.png\"}", "{}", "exactly one of url, pvc, s3 or inline", true),
                invalid("image pvc without a file", "{url: \"https://example.com/girl.png\"}", "{pvc: {claimName: inputs}}",
                        "image.pvc.path must name the image file", true),
                invalid("path escapes the volume", "{url: \"https://example.com/girl.png\"}", "{pvc: {claimName: inputs, path: ../secret.png}}",
                        "must not contain '..'", true),
                invalid("not a URL", "https://example.com/girl.png", "ftp://example.com/girl.png", ".spec.input.image.url: must match", true),
                withSpec("zero steps", "render: {steps: 0}", ".spec.render.steps: must be at least 1.0", true),
                withSpec("unknown variant", "render: {variant: f2}", ".spec.render.variant: must be one of", false),
                withSpec("too long", "render: {seconds: 600}", ".spec.render.seconds: must be at most 120.0", true),
                withSpec("rescale without CFG", "render: {cfgRescale: 0.7}", "cfgRescale only applies with real guidance", true),
                withSpec("odd resolution", "render: {resolution: 650}", "resolution must be a multiple of 16", true),
                withSpec("TeaCache threshold zero", "render: {teaCache: {threshold: 0}}", ".spec.render.teaCache.threshold: must be above 0.0", true),
                withSpec("both output kinds", "output: {pvc: {claimName: out}, s3: {bucket: videos}}", "set exactly one of pvc or s3", true),
                withSpec("bad bucket", "checkpoints: {s3: {bucket: Not_A_Bucket}}", ".spec.checkpoints.s3.bucket: must match", true),
                withSpec("too many GPUs", "resources: {gpus: 17}", ".spec.resources.gpus: must be at most 16.0", true),
                withSpec("memory not a quantity", "resources: {memory: lots}", ".spec.resources.memory: must match", true),
                withSpec("bad queue name", "queueName: Bad_Queue", ".spec.queueName: must match", false),
                withSpec("negative backoff", "backoffLimit: -1", ".spec.backoffLimit: must be at least 0.0", true),
                withSpec("typo in a field name", "render: {stpes: 30}", ".spec.render.stpes: unknown field", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidManifests")
    void invalidManifestsAreRejected(String name, String yaml, String expected, boolean operatorAgrees) {
        JsonNode manifest = CrdSchema.yaml(yaml);
        assertThat(schema.validateCreate(manifest)).anySatisfy(problem -> assertThat(problem).contains(expected));
        if (operatorAgrees) {
            // A cluster without CEL (or an older API server) lets it through: the operator stops it.
            assertThat(operatorProblems(CrdSchema.yaml(yaml))).isNotEmpty();
        }
    }

    @Test
    void renderDefiningFieldsAreImmutableWhileSuspendAndTtlAreNot() {
        String old = MINIMAL + "  suspend: false\n  ttlSecondsAfterFinished: 60\n";
        assertThat(update(old, old.replace("suspend: false", "suspend: true").replace(": 60", ": 3600"))).isEmpty();
        assertThat(update(old, old.replace("dances gracefully", "dances wildly"))).containsExactly(".spec.input: input is immutable");
        assertThat(update(old + "  render: {seed: 1}\n", old + "  render: {seed: 2}\n"))
                .containsExactly(".spec.render: render is immutable");
        assertThat(update(old, old + "  model: {pvc: {claimName: other-models}}\n"))
                .containsExactly(".spec: model, output and checkpoints cannot be added or removed after creation");
        assertThat(update(old + "  resources: {gpus: 1}\n", old + "  resources: {gpus: 2}\n"))
                .containsExactly(".spec.resources: resources is immutable");
        assertThat(update(old, old + "  scheduling: {priorityClassName: urgent}\n")).isEmpty();
    }

    private static List<String> update(String oldYaml, String newYaml) {
        return schema.validate(CrdSchema.yaml(newYaml), CrdSchema.yaml(oldYaml));
    }

    private static Arguments invalid(String name, String find, String replace, String expected, boolean operatorAgrees) {
        assertThat(MINIMAL).contains(find);
        return Arguments.of(name, MINIMAL.replace(find, replace), expected, operatorAgrees);
    }

    private static Arguments withSpec(String name, String specLine, String expected, boolean operatorAgrees) {
        return Arguments.of(name, MINIMAL + "  " + specLine + "\n", expected, operatorAgrees);
    }

    private static List<String> operatorProblems(JsonNode manifest) {
        VideoGeneration vg = new KubernetesSerialization().convertValue(strip(manifest), VideoGeneration.class);
        return SpecValidator.validate(vg, TestConfig.withDefaults().defaults());
    }

    /** Unknown fields never reach the operator's model (the API server prunes them). */
    private static JsonNode strip(JsonNode manifest) {
        JsonNode copy = manifest.deepCopy();
        if (copy.at("/spec/render") instanceof ObjectNode render) {
            render.remove("stpes");
        }
        return copy;
    }
}
