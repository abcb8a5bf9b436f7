package io.framepack.operator;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The committed CRD and the operator against a real API server (K3s in a container): the server
 * enforces the schema and CEL rules, and the operator creates the worker Job. Skipped where no
 * Docker engine is available.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sOperatorTest {
    @Container
    static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.33.1-k3s1"));

    private static KubernetesClient client;
    private static Operator operator;

    @BeforeAll
    static void startOperator() throws IOException {
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build();
        CustomResourceDefinition crd = client.getKubernetesSerialization()
                .unmarshal(Files.readString(CrdSchema.CRD_FILE), CustomResourceDefinition.class);
        client.resource(crd).serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
                        .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60,
                        java.util.concurrent.TimeUnit.SECONDS);
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        operator.register(new VideoGenerationReconciler(TestConfig.withDefaults(), new RenderMetrics(new SimpleMeterRegistry())));
        operator.start();
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
        if (client != null) {
            client.close();
        }
    }

    @Test
    void exampleManifestBecomesAWorkerJob() throws IOException {
        VideoGeneration vg = load("videogeneration-pvc.yaml");
        vg.getMetadata().setNamespace("default");
        VideoGeneration created = client.resource(vg).create();
        assertThat(created.getSpec().render.steps).isEqualTo(25);

        await().atMost(Duration.ofSeconds(60)).until(() ->
                client.batch().v1().jobs().inNamespace("default").withName("dancer").get() != null);
        Job job = client.batch().v1().jobs().inNamespace("default").withName("dancer").get();
        assertThat(job.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
        assertThat(job.getSpec().getPodFailurePolicy().getRules()).hasSize(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            VideoGeneration current = client.resource(created).get();
            return current.getStatus() != null && current.getStatus().phase != null;
        });

        assertThatThrownBy(() -> client.resource(created).edit(r -> {
            r.getSpec().input.prompt = "something else";
            return r;
        })).isInstanceOf(KubernetesClientException.class).hasMessageContaining("spec.input: Invalid value").hasMessageContaining("delete the VideoGeneration and create it again");

        client.resource(created).delete();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                client.batch().v1().jobs().inNamespace("default").withName("dancer").get() == null);
    }

    @Test
    void apiServerEnforcesTheCelRules() throws IOException {
        VideoGeneration vg = load("videogeneration-pvc.yaml");
        vg.getMetadata().setNamespace("default");
        vg.getMetadata().setName("two-images");
        vg.getSpec().input.image.url = "https://example.com/girl.png";
        assertThatThrownBy(() -> client.resource(vg).create()).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("image needs exactly one of url, pvc, s3 or inline");
    }

    private static VideoGeneration load(String example) throws IOException {
        return client.getKubernetesSerialization()
                .unmarshal(Files.readString(Path.of("..", "src", "examples", example)), VideoGeneration.class);
    }
}
