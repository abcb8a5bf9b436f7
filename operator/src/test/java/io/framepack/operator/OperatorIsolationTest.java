package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.framepack.api.v1alpha1.ImageSource;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One operator on its own mock API server, started after the cluster holds what a test sets up: what
 * one resource (or one failed API call) does to the operator as a whole.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorIsolationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NS = "tenants";

    KubernetesMockServer server;
    KubernetesClient client;
    private Operator operator;

    @BeforeEach
    void installCrd() throws IOException {
        client.resource(Serialization.unmarshal(Files.readString(CrdSchema.CRD_FILE), CustomResourceDefinition.class)).create();
    }

    @AfterEach
    void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
    }

    @Test
    void anUndecodableResourceFailsAloneAndTheOthersAreReconciled() {
        // Stored before the CRD bounded the field (or by a cluster that does not validate): the Java model's Integer cannot hold it.
        GenericKubernetesResource poison = new GenericKubernetesResourceBuilder()
                .withApiVersion(VideoGeneration.GROUP + "/" + VideoGeneration.VERSION).withKind("VideoGeneration")
                .withNewMetadata().withName("poison").withNamespace(NS).endMetadata()
                .addToAdditionalProperties("spec", Map.of("input", Map.of("prompt", "waves",
                        "image", Map.of("url", "https://example.com/sea.png")), "ttlSecondsAfterFinished", 99_999_999_999L))
                .build();
        client.genericKubernetesResources(VideoGeneration.GROUP + "/" + VideoGeneration.VERSION, "VideoGeneration")
                .inNamespace(NS).resource(poison).create();
        create("healthy");

        startOperator();

        new SimulatedCluster(client, NS).awaitJob("healthy");
        VideoGenerationStatus failed = awaitStatus("poison", s -> s.phase == Phase.Failed);
        assertThat(Conditions.find(failed.conditions, Conditions.STALLED).orElseThrow().getReason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(failed.message).contains("spec.ttlSecondsAfterFinished").contains("create it again");
        await().atMost(WAIT).until(() -> events("poison").stream().anyMatch(e -> "Failed".equals(e.getReason())));
        assertThat(new SimulatedCluster(client, NS).job("poison")).isNull();
    }

    @Test
    void aStatusWriteThatConflictsTellsNothingTwice() {
        create("contested");
        // Someone else changed the resource between the operator's read and its status write.
        server.expect().put().withPath("/apis/" + VideoGeneration.GROUP + "/" + VideoGeneration.VERSION + "/namespaces/" + NS
                        + "/videogenerations/contested/status")
                .andReturn(HttpURLConnection.HTTP_CONFLICT, new StatusBuilder().withCode(HttpURLConnection.HTTP_CONFLICT)
                        .withReason("Conflict").withMessage("the object has been modified").build())
                .once();

        startOperator();

        new SimulatedCluster(client, NS).awaitJob("contested");
        awaitStatus("contested", s -> s.phase == Phase.Pending);
        await().during(Duration.ofSeconds(1)).atMost(WAIT)
                .until(() -> events("contested").stream().filter(e -> "Pending".equals(e.getReason())).count() == 1);
    }

    @Test
    void aRefusedWorkerObjectBecomesAStalledConditionAndIsTriedAgain() {
        create("refused");
        server.expect().post().withPath("/api/v1/namespaces/" + NS + "/configmaps")
                .andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid")
                        .withMessage("ConfigMap \"refused-job\" is invalid: []: Too long: must have at most 1048576 bytes").build())
                .once();

        startOperator();

        VideoGenerationStatus stalled = awaitStatus("refused", s -> Conditions.find(s.conditions, Conditions.STALLED)
                .filter(c -> "True".equals(c.getStatus())).isPresent());
        assertThat(Conditions.find(stalled.conditions, Conditions.STALLED).orElseThrow().getReason())
                .isEqualTo(Reasons.WORKER_CREATE_FAILED);
        assertThat(stalled.message).startsWith("Cannot create the worker's ConfigMap refused-job: ").contains("Too long");
        assertThat(stalled.phase).isEqualTo(Phase.Pending);
        new SimulatedCluster(client, NS).awaitJob("refused");
        awaitStatus("refused", s -> "False".equals(Conditions.find(s.conditions, Conditions.STALLED).orElseThrow().getStatus()));
    }

    private void startOperator() {
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false));
        operator.register(new VideoGenerationReconciler(TestConfig.withDefaults(), new RenderMetrics(new SimpleMeterRegistry())));
        operator.start();
    }

    private VideoGeneration create(String name) {
        VideoGenerationSpec spec = new VideoGenerationSpec();
        spec.input = new InputSpec();
        spec.input.prompt = "waves";
        spec.input.image = new ImageSource();
        spec.input.image.url = "https://example.com/sea.png";
        VideoGeneration vg = new VideoGeneration();
        vg.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        vg.setSpec(spec);
        return client.resource(vg).create();
    }

    private VideoGenerationStatus awaitStatus(String name, Predicate<VideoGenerationStatus> until) {
        VideoGenerationStatus[] last = new VideoGenerationStatus[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = client.resources(VideoGeneration.class).inNamespace(NS).withName(name).get().getStatus();
            return last[0] != null && last[0].phase != null && until.test(last[0]);
        });
        return last[0];
    }

    private List<Event> events(String name) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }
}
