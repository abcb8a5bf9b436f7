package io.framepack.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.v1alpha1.VideoGeneration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
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
    /** Where an input field is added after the prompt. */
    private static final String END_AT = "    prompt: \"The girl dances gracefully.\"\n";
    private static final String IMMUTABLE = "is immutable (it cannot be changed, added or removed after creation;"
            + " only spec.suspend can): delete the VideoGeneration and create it again";
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

    /** A stored value the Java model cannot hold would fail the operator's read of the resource. */
    @Test
    void everyIntegerIsBoundedExceptGenerations() {
        assertThat(schema.unboundedIntegers()).allMatch(path -> path.endsWith(".observedGeneration"));
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
                edited("no prompt", "    prompt: \"The girl dances gracefully.\"\n", "", "set exactly one of prompt", true),
                edited("prompt and timed prompts", "    prompt: \"The girl dances gracefully.\"\n",
                        "    prompt: \"The girl dances.\"\n    prompts: [{start: 0s, text: \"The girl waves.\"}]\n",
                        "set exactly one of prompt", true),
                edited("timed prompts not from 0s", "    prompt: \"The girl dances gracefully.\"\n",
                        "    prompts: [{start: 1s, text: \"The girl waves.\"}]\n", "the first prompt must start at 0s", true),
                edited("timed prompt start without its unit", "    prompt: \"The girl dances gracefully.\"\n",
                        "    prompts: [{start: 0s, text: a}, {start: \"2\", text: b}]\n", "like 0s or 2.5s", true),
                edited("blank timed prompt", "    prompt: \"The girl dances gracefully.\"\n",
                        "    prompts: [{start: 0s, text: \" \"}]\n", "prompts[].text must describe the motion", true),
                edited("no timed prompts", "    prompt: \"The girl dances gracefully.\"\n", "    prompts: []\n",
                        ".spec.input.prompts: at least 1 items", true),
                edited("17 timed prompts", "    prompt: \"The girl dances gracefully.\"\n",
                        "    prompts: [{start: 0s, text: a}" + ", {start: 1s, text: b}".repeat(16) + "]\n",
                        ".spec.input.prompts: at most 16 items", true),
                edited("blend over too many sections", "    prompt: \"The girl dances gracefully.\"\n",
                        "    prompt: \"The girl dances gracefully.\"\n    promptBlendSections: 65\n",
                        ".spec.input.promptBlendSections: must be at most 64", true),
                withSpec("LoRA with two sources", "model: {loras: [{pvc: {claimName: m, path: a.safetensors},"
                        + " s3: {bucket: loras, prefix: a.safetensors}}]}", "each LoRA needs exactly one of pvc or s3", true),
                withSpec("LoRA without a source", "model: {loras: [{scale: 0.5}]}", "each LoRA needs exactly one of pvc or s3",
                        true),
                withSpec("LoRA claim without a file", "model: {loras: [{pvc: {claimName: m}}]}",
                        "loras[].pvc.path must name the LoRA file", true),
                withSpec("LoRA object without a key", "model: {loras: [{s3: {bucket: loras}}]}",
                        "loras[].s3.prefix must hold the object key", true),
                withSpec("LoRA scale past 4", "model: {loras: [{pvc: {claimName: m, path: a}, scale: 4.5}]}",
                        ".spec.model.loras[0].scale: must be at most 4", true),
                withSpec("no LoRAs", "model: {loras: []}", ".spec.model.loras: at least 1 items", true),
                withSpec("five LoRAs", "model: {loras: [" + String.join(", ", java.util.Collections.nCopies(5,
                        "{pvc: {claimName: m, path: a}}")) + "]}", ".spec.model.loras: at most 4 items", true),
                edited("white-space prompt", "The girl dances gracefully.", " \\t\\u3000 ", "prompt must describe the motion", true),
                edited("no spec", MINIMAL.substring(MINIMAL.indexOf("spec:")), "", ".spec: Required value", true),
                edited("two image sources", "{url: \"https://example.com/girl.png\"}",
                        "{url: \"https://example.com/girl.png\", inline: \"iVBORw0KGgo=\"}", "exactly one of url, pvc, s3 or inline", true),
                edited("no image source", "{url: \"https://example.com/girl.png\"}", "{}", "exactly one of url, pvc, s3 or inline", true),
                edited("image pvc without a file", "{url: \"https://example.com/girl.png\"}", "{pvc: {claimName: inputs}}",
                        ".spec.input.image.pvc: the image pvc.path must name the image file", true),
                edited("path escapes the volume", "{url: \"https://example.com/girl.png\"}", "{pvc: {claimName: inputs, path: ../secret.png}}",
                        "must not contain '..'", true),
                edited("not a URL", "https://example.com/girl.png", "ftp://example.com/girl.png",
                        ".spec.input.image.url: the image url must be an http:// or https:// URL", true),
                edited("text smuggled after a newline", "\"https://example.com/girl.png\"", "\"https://example.com/girl.png\\nrm -rf\"",
                        ".spec.input.image.url: the image url must be an http:// or https:// URL", true),
                edited("URL with a space", "https://example.com/girl.png", "https://example.com/a girl.png", "must be an http:// or https:// URL", true),
                edited("inline image not base64", "{url: \"https://example.com/girl.png\"}", "{inline: \"abc\"}",
                        "inline must be standard base64", true),
                edited("inline image too large for the job ConfigMap", "{url: \"https://example.com/girl.png\"}",
                        "{inline: \"" + "A".repeat(Formats.INLINE_IMAGE_MAX + 4) + "\"}", ".spec.input.image.inline: at most 917504 characters", true),
                edited("name too long for the derived objects", "name: minimal", "name: " + "n".repeat(53),
                        "<root>: metadata.name must have at most 52 characters (the worker Job, its pods and ConfigMaps are named after it), got 53", true),
                edited("end image with two sources", END_AT, END_AT + "    endImage: {url: \"https://example.com/end.png\", inline: \"iVBORw0KGgo=\"}\n",
                        ".spec.input.endImage: an image needs exactly one of url, pvc, s3 or inline", true),
                edited("end image pvc without a file", END_AT, END_AT + "    endImage: {pvc: {claimName: inputs}}\n",
                        ".spec.input.endImage.pvc: the image pvc.path must name the image file", true),
                edited("end image not a URL", END_AT, END_AT + "    endImage: {url: \"ftp://example.com/end.png\"}\n",
                        ".spec.input.endImage.url: the image url must be an http:// or https:// URL", true),
                edited("end image strength above 1", END_AT, END_AT + "    endImage: {url: \"https://example.com/end.png\"}\n"
                        + "    endImageStrength: 1.5\n", ".spec.input.endImageStrength: must be at most 1.0", true),
                edited("end image strength without an end image", END_AT, END_AT + "    endImageStrength: 0.5\n",
                        "spec.input.endImageStrength needs spec.input.endImage", true),
                Arguments.of("end image with F1", MINIMAL.replace(END_AT, END_AT + "    endImage: {url: \"https://example.com/end.png\"}\n")
                        + "  render: {variant: f1}\n", ".spec.input.endImage: spec.input.endImage needs"
                        + " render.variant inverted: F1 renders forward", true),
                Arguments.of("end image with another credentials Secret", MINIMAL.replace(END_AT, END_AT
                                + "    endImage: {s3: {bucket: inputs, prefix: end.png, credentialsSecret: b}}\n")
                        + "  output: {s3: {bucket: videos, credentialsSecret: a}}\n",
                        "spec.input.endImage.s3 must name the same credentialsSecret as the other S3 locations", true),
                edited("inline start and end images too large together", "{url: \"https://example.com/girl.png\"}",
                        "{inline: \"" + "A".repeat(Formats.INLINE_IMAGE_MAX / 2 + 4) + "\"}\n    endImage: {inline: \""
                                + "A".repeat(Formats.INLINE_IMAGE_MAX / 2) + "\"}",
                        "inline start and end images together must stay within 917504 base64 characters", true),
                withSpec("zero steps", "render: {steps: 0}", ".spec.render.steps: must be at least 1.0", true),
                // The operator refuses a re-roll from its source (RerollStart), which these sources are not.
                withSpec("re-roll from section 0", "from: {name: dancer, section: 0}", ".spec.from.section: must be at least 1.0",
                        false),
                withSpec("re-roll without a section", "from: {name: dancer}", ".spec.from.section: Required value", false),
                withSpec("re-roll of an odd name", "from: {name: Dancer_1, section: 1}",
                        "spec.from.name must be a Kubernetes object name", false),
                withSpec("unknown variant", "render: {variant: f2}", ".spec.render.variant: must be one of", false),
                withSpec("too long", "render: {seconds: 600}", ".spec.render.seconds: must be at most 120.0", true),
                withSpec("seed beyond 2^53", "render: {seed: 9007199254740992}", ".spec.render.seed: must be at most", true),
                withSpec("rescale without CFG", "render: {cfgRescale: 0.7}", "cfgRescale only applies with real guidance", true),
                withSpec("odd resolution", "render: {resolution: 650}", "resolution must be a multiple of 16", true),
                withSpec("TeaCache threshold zero", "render: {teaCache: {threshold: 0}}", ".spec.render.teaCache.threshold: must be above 0.0", true),
                withSpec("both output kinds", "output: {pvc: {claimName: out}, s3: {bucket: videos}}", "set exactly one of pvc or s3", true),
                withSpec("bad bucket", "checkpoints: {s3: {bucket: Not_A_Bucket}}",
                        ".spec.checkpoints.s3.bucket: bucket must be an S3 bucket name: 3 to 63 lower-case letters, digits, '.' and '-',"
                                + " starting and ending with a letter or digit, got 'Not_A_Bucket'", true),
                withSpec("bucket with a trailing newline", "checkpoints: {s3: {bucket: \"videos\\n\"}}", "bucket must be an S3 bucket name", true),
                withSpec("endpoint not anchored", "output: {s3: {bucket: videos, endpoint: \"http://minio:9000\\nx\"}}",
                        ".spec.output.s3.endpoint: endpoint must be an http:// or https:// URL", true),
                withSpec("bad claim name", "model: {pvc: {claimName: My_Models}}",
                        "claimName must be a Kubernetes object name: at most 253 lower-case letters, digits, '-' and '.', starting and"
                                + " ending with a letter or digit, got 'My_Models'", true),
                withSpec("bad credentials Secret name", "output: {s3: {bucket: videos, credentialsSecret: Bad_Secret}}",
                        "credentialsSecret must be a Kubernetes object name", true),
                withSpec("two credential Secrets", "output: {s3: {bucket: videos, credentialsSecret: a}}\n"
                                + "  checkpoints: {s3: {bucket: videos, credentialsSecret: b}}",
                        ".spec: the S3 locations (input image, output, checkpoints) must all name the same credentialsSecret", true),
                withSpec("too many GPUs", "resources: {gpus: 17}", ".spec.resources.gpus: must be at most 16.0", true),
                withSpec("memory not a quantity", "resources: {memory: lots}",
                        ".spec.resources.memory: memory must be a positive amount of bytes such as 96Gi or 64G", true),
                withSpec("negative memory", "resources: {memory: -8Gi}", "memory must be a positive amount of bytes", true),
                withSpec("zero memory", "resources: {memory: 0Gi}", "memory must be a positive amount of bytes", true),
                withSpec("overflowing memory", "resources: {memory: 99999999Ei}", "got '99999999Ei'", true),
                withSpec("GPU memory not a quantity", "resources: {gpuMemory: 22GB}",
                        ".spec.resources.gpuMemory: gpuMemory must be a positive amount of bytes such as 96Gi or 64G", true),
                withSpec("zero GPU memory", "resources: {gpuMemory: \"0\"}", "gpuMemory must be a positive amount of bytes",
                        true),
                withSpec("CPU with two decimal points", "resources: {cpu: 1.2.3}",
                        ".spec.resources.cpu: cpu must be a positive number of cores such as 8 or 2.5 (up to 6 digits and 3 decimals),"
                                + " or of millicores such as 500m, got '1.2.3'", true),
                withSpec("GPU resource cpu", "resources: {gpuResourceName: cpu}",
                        ".spec.resources.gpuResourceName: gpuResourceName must be an extended resource name such as nvidia.com/gpu", true),
                withSpec("GPU resource memory", "resources: {gpuResourceName: memory}", "got 'memory'", true),
                withSpec("GPU resource hugepages", "resources: {gpuResourceName: hugepages-2Mi}", "got 'hugepages-2Mi'", true),
                withSpec("GPU resource in kubernetes.io", "resources: {gpuResourceName: kubernetes.io/gpu}", "got 'kubernetes.io/gpu'", true),
                withSpec("bad queue name", "queueName: Bad_Queue",
                        ".spec.queueName: queueName must be the name of a Kueue LocalQueue: at most 63 lower-case letters, digits and '-',"
                                + " starting and ending with a letter or digit, got 'Bad_Queue'", true),
                withSpec("negative backoff", "backoffLimit: -1", ".spec.backoffLimit: must be at least 0.0", true),
                withSpec("TTL beyond int32", "ttlSecondsAfterFinished: 2147483648", ".spec.ttlSecondsAfterFinished: must be at most 2.147483647E9", false),
                withSpec("deadline beyond int32", "activeDeadlineSeconds: 2147483648", ".spec.activeDeadlineSeconds: must be at most", true),
                withSpec("toleration operator typo", "scheduling: {tolerations: [{key: gpu, operator: Exist}]}",
                        ".spec.scheduling.tolerations[0].operator: must be one of [\"Equal\", \"Exists\"]", true),
                withSpec("toleration effect typo", "scheduling: {tolerations: [{key: gpu, operator: Exists, effect: NoSchedul}]}",
                        ".spec.scheduling.tolerations[0].effect: must be one of", true),
                withSpec("toleration key invalid", "scheduling: {tolerations: [{key: \"gpu type\", operator: Exists}]}",
                        ".spec.scheduling.tolerations[0].key: key must be a label key", true),
                withSpec("toleration Exists with a value", "scheduling: {tolerations: [{key: gpu, operator: Exists, value: a100}]}",
                        "a toleration with operator Exists must have no value", true),
                withSpec("toleration without key must be Exists", "scheduling: {tolerations: [{value: a100}]}",
                        "a toleration without a key must have operator Exists", true),
                withSpec("tolerationSeconds without NoExecute", "scheduling: {tolerations: [{key: gpu, operator: Exists, tolerationSeconds: 5}]}",
                        "tolerationSeconds only applies with effect NoExecute", true),
                withSpec("node selector key invalid", "scheduling: {nodeSelector: {\"-bad\": \"true\"}}",
                        ".spec.scheduling.nodeSelector: nodeSelector: every key must be a label key", true),
                withSpec("node selector value invalid", "scheduling: {nodeSelector: {gpu: \"a b\"}}", "every value must be a label value", true),
                withSpec("affinity weight beyond int32", "scheduling: {affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution:"
                                + " [{weight: 4294967296, preference: {matchExpressions: [{key: gpu, operator: Exists}]}}]}}}",
                        ".spec.scheduling.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: must be at most 100.0", false),
                withSpec("affinity weight zero", "scheduling: {affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution:"
                                + " [{weight: 0, podAffinityTerm: {topologyKey: kubernetes.io/hostname}}]}}}", "weight: must be at least 1.0", true),
                withSpec("affinity operator typo", "scheduling: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                                + " {nodeSelectorTerms: [{matchExpressions: [{key: gpu, operator: in, values: [a100]}]}]}}}}",
                        "matchExpressions[0].operator: must be one of", true),
                withSpec("affinity label key invalid", "scheduling: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                                + " {nodeSelectorTerms: [{matchExpressions: [{key: \"a/b/c\", operator: Exists}]}]}}}}",
                        "matchExpressions[0].key: key must be a label key", true),
                withSpec("affinity In without values", "scheduling: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                                + " {nodeSelectorTerms: [{matchExpressions: [{key: gpu, operator: In}]}]}}}}",
                        "operator In and NotIn need 1 to 32 values", true),
                withSpec("affinity Gt not an integer", "scheduling: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                                + " {nodeSelectorTerms: [{matchExpressions: [{key: memory, operator: Gt, values: [lots]}]}]}}}}",
                        "operator Gt and Lt take exactly one value, an integer", true),
                withSpec("pod affinity without topology key", "scheduling: {affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                                + " [{labelSelector: {matchLabels: {app: db}}}]}}}", "topologyKey: Required value", true),
                withSpec("pod affinity label value invalid", "scheduling: {affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                                + " [{topologyKey: zone, labelSelector: {matchLabels: {app: \"-db\"}}}]}}}", "matchLabels: every key must be", true),
                withSpec("bad priority class", "scheduling: {priorityClassName: Urgent}", "priorityClassName must be a Kubernetes object name", true),
                withSpec("typo in a field name", "render: {stpes: 30}", ".spec.render.stpes: unknown field", false));
    }

    static Stream<Arguments> validManifests() {
        return Stream.of(
                edited("upper-case URL scheme", "https://example.com", "HTTPS://Example.com", "", true),
                edited("URL with a query and a port", "https://example.com/girl.png", "http://example.com:8080/girl.png?sig=a%2Fb&x=1#top", "", true),
                edited("prompt of 4096 emoji", "The girl dances gracefully.", "\uD83D\uDC83".repeat(Formats.PROMPT_MAX), "", true),
                edited("name of 52 characters", "name: minimal", "name: " + "n".repeat(52), "", true),
                edited("largest inline image", "{url: \"https://example.com/girl.png\"}",
                        "{inline: \"" + "A".repeat(Formats.INLINE_IMAGE_MAX) + "\"}", "", true),
                edited("end image on another claim, with a strength", END_AT, END_AT
                        + "    endImage: {pvc: {claimName: other-inputs, path: images/end.png}}\n    endImageStrength: 0.5\n", "", true),
                edited("end image by URL at full strength", END_AT, END_AT
                        + "    endImage: {url: \"https://example.com/end.png\"}\n    endImageStrength: 1\n", "", true),
                withSpec("steps written as 25.0", "render: {steps: 25.0}", "", true),
                withSpec("quantities", "resources: {memory: 96Gi, cpu: 500m, gpuResourceName: nvidia.com/mig-3g.40gb}", "", true),
                withSpec("a GPU memory budget", "resources: {gpuMemory: 22Gi}", "", true),
                withSpec("a re-roll", "from: {name: dancer, section: 2}", "", true),
                withSpec("plain bytes and decimal cores", "resources: {memory: \"68719476736\", cpu: \"2.5\"}", "", true),
                withSpec("one credential Secret everywhere", "output: {s3: {bucket: videos, credentialsSecret: s3}}\n"
                        + "  checkpoints: {s3: {bucket: checkpoints, credentialsSecret: s3}}", "", true),
                withSpec("full scheduling", """
                        scheduling:
                            nodeSelector: {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3, pool: ""}
                            tolerations:
                            - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                            - {key: spot, operator: Equal, value: "true", effect: NoExecute, tolerationSeconds: 300}
                            - {operator: Exists}
                            affinity:
                              nodeAffinity:
                                requiredDuringSchedulingIgnoredDuringExecution:
                                  nodeSelectorTerms:
                                  - matchExpressions:
                                    - {key: nvidia.com/gpu.memory, operator: Gt, values: ["40000"]}
                                    - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
                                    matchFields:
                                    - {key: metadata.name, operator: NotIn, values: [node-1]}
                                preferredDuringSchedulingIgnoredDuringExecution:
                                - {weight: 100, preference: {matchExpressions: [{key: fast, operator: Exists}]}}
                              podAntiAffinity:
                                preferredDuringSchedulingIgnoredDuringExecution:
                                - weight: 1
                                  podAffinityTerm:
                                    topologyKey: kubernetes.io/hostname
                                    namespaces: [renders]
                                    labelSelector:
                                      matchLabels: {framepack.io/render: other}
                                      matchExpressions: [{key: tier, operator: NotIn, values: [batch]}]
                            priorityClassName: renders.high
                            runtimeClassName: nvidia
                        """.stripTrailing(), "", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validManifests")
    void validManifestsAreAccepted(String name, String yaml, String noProblem, boolean operatorAccepts) {
        JsonNode stored = CrdSchema.yaml(yaml);
        assertThat(schema.validateCreate(stored)).isEmpty();
        assertThat(operatorProblems(stored)).isEmpty();
    }

    /** A video in place of the image: the CRD and the operator say the same of every wrong use. */
    @Test
    void aVideoToExtendReplacesTheImageAndNeedsForwardSampling() {
        String image = "    image: {url: \"https://example.com/girl.png\"}\n";
        String video = "    video: {url: \"https://example.com/girl.mp4\"}\n";
        JsonNode extension = CrdSchema.yaml(MINIMAL.replace(image, video) + "  render: {variant: f1}\n");
        assertThat(schema.validateCreate(extension)).isEmpty();
        assertThat(operatorProblems(extension)).isEmpty();

        JsonNode inverted = CrdSchema.yaml(MINIMAL.replace(image, video) + "  render: {variant: inverted}\n");
        assertThat(schema.validateCreate(inverted)).anySatisfy(e -> assertThat(e).contains("set spec.render.variant to f1"));
        assertThat(operatorProblems(inverted)).containsExactly(SpecValidator.VIDEO_NEEDS_F1);
        assertThat(schema.validateCreate(CrdSchema.yaml(MINIMAL.replace(image, video))))
                .as("the default variant is inverted").anySatisfy(e -> assertThat(e).contains("set spec.render.variant to f1"));

        JsonNode both = CrdSchema.yaml(MINIMAL.replace(image, image + video) + "  render: {variant: f1}\n");
        assertThat(schema.validateCreate(both)).anySatisfy(e -> assertThat(e).contains("set exactly one of image"));
        assertThat(operatorProblems(both)).containsExactly(
                "spec.input: set exactly one of image (the start frame) or video (an MP4 the render extends)");
        JsonNode neither = CrdSchema.yaml(MINIMAL.replace(image, "") + "  render: {variant: f1}\n");
        assertThat(schema.validateCreate(neither)).anySatisfy(e -> assertThat(e).contains("set exactly one of image"));

        JsonNode inline = CrdSchema.yaml(MINIMAL.replace(image, "    video: {inline: \"AAAA\"}\n") + "  render: {variant: f1}\n");
        assertThat(schema.validateCreate(inline)).isNotEmpty();
        JsonNode context = CrdSchema.yaml(MINIMAL.replace(image, video + "    videoContextFrames: 11\n")
                + "  render: {variant: f1}\n");
        assertThat(schema.validateCreate(context)).anySatisfy(e -> assertThat(e).contains("videoContextFrames"));
        assertThat(operatorProblems(context)).containsExactly("spec.input.videoContextFrames: must be between 2 and 10 (got 11)");
        JsonNode twoSources = CrdSchema.yaml(MINIMAL.replace(image,
                "    video: {url: \"https://example.com/girl.mp4\", pvc: {claimName: inputs, path: a.mp4}}\n")
                + "  render: {variant: f1}\n");
        assertThat(schema.validateCreate(twoSources)).anySatisfy(e -> assertThat(e).contains("exactly one of url, pvc or s3"));
        assertThat(operatorProblems(twoSources)).containsExactly("spec.input.video: set exactly one of url, pvc or s3 (found 2)");
    }

    /** What CEL cannot say of a list (order, the video's end) the operator says, naming the entry. */
    @Test
    void timedPromptsOutOfOrderOrPastTheEndAreRefusedByTheOperator() {
        JsonNode manifest = CrdSchema.yaml(MINIMAL.replace("    prompt: \"The girl dances gracefully.\"\n",
                "    prompts: [{start: 0s, text: a}, {start: 3s, text: b}, {start: 2s, text: c}, {start: 5s, text: d}]\n"));
        assertThat(schema.validateCreate(manifest)).isEmpty();
        assertThat(operatorProblems(manifest)).containsExactly(
                "spec.input.prompts[2].start: starts must increase strictly, but 2s does not come after 3s",
                "spec.input.prompts[3].start: 5s is not before the video's end (5.0 s)");
    }

    /**
     * The largest spec admission lets into the job ConfigMap (longest inline image, prompts of
     * control characters that JSON escapes to six bytes each, every S3 string at its longest)
     * still fits the API server's 1 MiB limit on a ConfigMap's data.
     */
    @Test
    void largestAdmittedSpecFitsTheJobConfigMap() {
        String s3 = "{bucket: " + "b".repeat(63) + ", prefix: \"" + "\\u0001".repeat(Formats.KEY_MAX) + "\", endpoint: \"https://"
                + "e".repeat(Formats.URL_MAX - 8) + "\", region: " + "r".repeat(Formats.REGION_MAX) + ", credentialsSecret: "
                + "c".repeat(Formats.DNS_SUBDOMAIN_MAX) + "}";
        String yaml = MINIMAL.replace("{url: \"https://example.com/girl.png\"}", "{inline: \"" + "A".repeat(Formats.INLINE_IMAGE_MAX) + "\"}")
                .replace("\"The girl dances gracefully.\"", "\"" + "\\u0001".repeat(Formats.PROMPT_MAX) + "\"\n    negativePrompt: \""
                        + "\\u0001".repeat(Formats.PROMPT_MAX) + "\"")
                + "  output: {s3: " + s3 + "}\n  checkpoints: {s3: " + s3 + "}\n";
        assertFitsTheJobConfigMap(yaml);
        String half = "A".repeat(Formats.INLINE_IMAGE_MAX / 2);
        assertFitsTheJobConfigMap(yaml.replace("{inline: \"" + "A".repeat(Formats.INLINE_IMAGE_MAX) + "\"}",
                "{inline: \"" + half + "\"}\n    endImage: {inline: \"" + half + "\"}\n    endImageStrength: 0.5"));
        String lora = "    - {s3: " + s3 + ", scale: -3.999999999}\n";
        assertFitsTheJobConfigMap(yaml + "  model:\n    pvc: {claimName: " + "m".repeat(Formats.DNS_SUBDOMAIN_MAX) + ", path: \""
                + "\\u0001".repeat(Formats.PATH_MAX) + "\"}\n    loras:\n" + lora.repeat(Formats.LORAS_MAX));
        StringBuilder timed = new StringBuilder("    prompts:\n");
        for (int i = 0; i < Formats.TIMED_PROMPTS_MAX; i++) {
            timed.append("    - {start: ").append(i).append(".001s, text: \"").append("\\u0001".repeat(Formats.TIMED_PROMPT_TEXT_MAX))
                    .append("\"}\n");
        }
        assertFitsTheJobConfigMap(yaml.replaceFirst("    prompt: \"[^\"]*\"\n",
                        Matcher.quoteReplacement(timed.toString().replaceFirst("0.001s", "0s")))
                .replace("  input:", "  render: {seconds: 120}\n  input:"));
    }

    /** LoRAs without a model claim use the operator's default model volume; both sources pass admission and the operator. */
    @Test
    void lorasWithTheDefaultModelVolumeAreAccepted() {
        JsonNode manifest = CrdSchema.yaml(MINIMAL + "  model:\n    loras:\n    - {pvc: {claimName: loras, path: style.safetensors},"
                + " scale: -0.5}\n    - {s3: {bucket: loras, prefix: motion.safetensors}}\n");
        assertThat(schema.validateCreate(manifest)).isEmpty();
        assertThat(operatorProblems(manifest)).isEmpty();
    }

    @Test
    void aLorasS3SecretMustBeTheOtherS3LocationsSecret() {
        String s3 = "{bucket: videos, prefix: out, credentialsSecret: one}";
        JsonNode manifest = CrdSchema.yaml(MINIMAL + "  output: {s3: " + s3 + "}\n  model:\n    loras:\n"
                + "    - {s3: {bucket: loras, prefix: a.safetensors, credentialsSecret: two}}\n");
        assertThat(operatorProblems(manifest)).contains("spec: all S3 locations must use the same credentialsSecret (found [one, two])");
    }

    private static void assertFitsTheJobConfigMap(String yaml) {
        JsonNode stored = CrdSchema.yaml(yaml);
        assertThat(schema.validateCreate(stored)).isEmpty();
        VideoGeneration vg = new KubernetesSerialization().convertValue(stored, VideoGeneration.class);
        vg.getMetadata().setName("n".repeat(Formats.MAX_NAME_LENGTH));
        vg.getMetadata().setUid("0".repeat(36));
        ConfigMap configMap = new WorkerObjects(TestConfig.withDefaults()).jobConfigMap(vg);
        long dataBytes = configMap.getData().entrySet().stream()
                .mapToLong(e -> e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length).sum();
        assertThat(dataBytes).isLessThan(1024 * 1024);
    }

    /** What the API server does with numbers and strings, which the harness must do too. */
    static Stream<Arguments> harnessCases() {
        return Stream.of(
                Arguments.of("NaN", "render: {seconds: .nan}", ".spec.render.seconds: must be a finite number"),
                Arguments.of("infinity", "render: {seconds: .inf}", ".spec.render.seconds: must be a finite number"),
                Arguments.of("integer beyond int64", "render: {seed: 9223372036854775808}", ".spec.render.seed: must be of type integer"),
                Arguments.of("fraction for an integer", "render: {steps: 25.5}", ".spec.render.steps: must be of type integer"),
                Arguments.of("prompt of 4097 emoji", null, ".spec.input.prompt: at most 4096 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("harnessCases")
    void harnessRefusesWhatTheApiServerRefuses(String name, String specLine, String expected) {
        String yaml = specLine != null ? MINIMAL + "  " + specLine + "\n"
                : MINIMAL.replace("The girl dances gracefully.", "\uD83D\uDC83".repeat(Formats.PROMPT_MAX + 1));
        assertThat(schema.validateCreate(CrdSchema.yaml(yaml))).contains(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidManifests")
    void invalidManifestsAreRejected(String name, String yaml, String expected, boolean operatorAgrees) {
        JsonNode manifest = CrdSchema.yaml(yaml);
        assertThat(schema.validateCreate(manifest)).anySatisfy(problem -> assertThat(problem).contains(expected));
        if (operatorAgrees) {
            // A cluster without CEL (or an older API server) lets it through: the operator stops it. (Integers
            // beyond the Java model are not in reach of the operator's checks: the model cannot hold them.)
            assertThat(operatorProblems(CrdSchema.yaml(yaml))).isNotEmpty();
        }
    }

    @Test
    void onlySuspendMayChangeAfterCreation() {
        String old = MINIMAL + "  suspend: false\n";
        assertThat(update(old, old.replace("suspend: false", "suspend: true"))).isEmpty();
        assertThat(update(old, old.replace("dances gracefully", "dances wildly"))).containsExactly(".spec.input: " + IMMUTABLE);
        assertThat(update(old + "  render: {seed: 1}\n", old + "  render: {seed: 2}\n")).containsExactly(".spec.render: " + IMMUTABLE);
        assertThat(update(old, old + "  model: {pvc: {claimName: other-models}}\n")).containsExactly(".spec.model: " + IMMUTABLE);
        assertThat(update(old + "  resources: {gpus: 1}\n", old + "  resources: {gpus: 2}\n")).containsExactly(".spec.resources: " + IMMUTABLE);
    }

    static Stream<Arguments> immutableChanges() {
        return Stream.of(
                Arguments.of("render added", "", "render: {steps: 30}", ".spec.render"),
                Arguments.of("render removed", "render: {steps: 30}", "", ".spec.render"),
                Arguments.of("resources added", "", "resources: {gpus: 2}", ".spec.resources"),
                Arguments.of("resources removed", "resources: {gpus: 2}", "", ".spec.resources"),
                Arguments.of("output removed", "output: {pvc: {claimName: out}}", "", ".spec.output"),
                Arguments.of("checkpoints changed", "checkpoints: {pvc: {claimName: a}}", "checkpoints: {pvc: {claimName: b}}", ".spec.checkpoints"),
                Arguments.of("scheduling added", "", "scheduling: {priorityClassName: urgent}", ".spec.scheduling"),
                Arguments.of("scheduling changed", "scheduling: {nodeSelector: {a: b}}", "scheduling: {nodeSelector: {a: c}}", ".spec.scheduling"),
                Arguments.of("queue changed", "queueName: a", "queueName: b", ".spec.queueName"),
                Arguments.of("queue removed", "queueName: a", "", ".spec.queueName"),
                Arguments.of("backoffLimit changed", "backoffLimit: 3", "backoffLimit: 5", ".spec.backoffLimit"),
                Arguments.of("backoffLimit added", "", "backoffLimit: 5", ".spec.backoffLimit"),
                Arguments.of("deadline changed", "activeDeadlineSeconds: 60", "activeDeadlineSeconds: 600", ".spec.activeDeadlineSeconds"),
                Arguments.of("TTL changed", "ttlSecondsAfterFinished: 60", "ttlSecondsAfterFinished: 3600", ".spec.ttlSecondsAfterFinished"),
                Arguments.of("TTL added", "", "ttlSecondsAfterFinished: 0", ".spec.ttlSecondsAfterFinished"),
                Arguments.of("re-roll section changed", "from: {name: a, section: 1}", "from: {name: a, section: 2}", ".spec.from"),
                Arguments.of("re-roll added", "", "from: {name: a, section: 1}", ".spec.from"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("immutableChanges")
    void immutableFieldsCannotBeChangedAddedOrRemoved(String name, String oldLine, String newLine, String field) {
        String oldYaml = MINIMAL + (oldLine.isEmpty() ? "" : "  " + oldLine + "\n");
        String newYaml = MINIMAL + (newLine.isEmpty() ? "" : "  " + newLine + "\n");
        assertThat(update(oldYaml, newYaml)).containsExactly(field + ": " + IMMUTABLE);
    }

    /** Every spec field but suspend has its immutability rule, so a field added later cannot be forgotten. */
    @Test
    void everySpecFieldButSuspendIsImmutable() {
        assertThat(schema.specFields()).containsAll(schema.immutableSpecFields()).contains("suspend");
        assertThat(schema.immutableSpecFields()).containsExactlyInAnyOrderElementsOf(
                schema.specFields().stream().filter(f -> !f.equals("suspend")).toList());
    }

    private static List<String> update(String oldYaml, String newYaml) {
        return schema.validate(CrdSchema.yaml(newYaml), CrdSchema.yaml(oldYaml));
    }

    private static Arguments edited(String name, String find, String replace, String expected, boolean operatorAgrees) {
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
