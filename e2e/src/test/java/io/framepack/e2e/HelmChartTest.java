package io.framepack.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Lints and renders the Helm chart with Helm's own code (helm-java) and checks what it would install. */
class HelmChartTest {
    private static final Path CHART = Repo.root().resolve("charts/framepack-operator");

    @Test
    void chartLintsClean() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
    }

    @Test
    void defaultInstallRendersAWorkingOperator() {
        List<HasMetadata> objects = render(Map.of());
        Map<String, Long> kinds = objects.stream().collect(Collectors.groupingBy(HasMetadata::getKind, Collectors.counting()));
        assertThat(kinds).containsKeys("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service");
        assertThat(kinds).doesNotContainKey("ServiceMonitor");

        Deployment deployment = only(objects, Deployment.class);
        var pod = deployment.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().get(0);
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getServiceAccountName()).isEqualTo(only(objects, io.fabric8.kubernetes.api.model.ServiceAccount.class)
                .getMetadata().getName());
        Map<String, String> env = operatorEnv(deployment);
        assertThat(env).containsEntry("FRAMEPACK_WORKER_IMAGE", "ghcr.io/framepack-k8s/framepack-worker:0.1.0")
                .containsEntry("FRAMEPACK_WORKER_GPU_RESOURCE_NAME", "nvidia.com/gpu")
                .containsEntry("FRAMEPACK_DEFAULTS_MODEL_CLAIM", "framepack-models")
                .containsEntry("FRAMEPACK_DEFAULTS_CHECKPOINT_CLAIM", "framepack-checkpoints")
                .doesNotContainKeys("FRAMEPACK_WORKER_NODE_SELECTOR", "FRAMEPACK_WORKER_TOLERATIONS");
    }

    @Test
    void gpuClusterValuesReachTheOperatorAsJson(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("gpu-cluster.yaml"), """
                worker:
                  gpuResourceName: nvidia.com/mig-3g.40gb
                  nodeSelector:
                    nvidia.com/gpu.present: "true"
                  tolerations:
                    - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                """);
        Deployment deployment = only(render(Map.of(), values), Deployment.class);
        assertThat(operatorEnv(deployment))
                .containsEntry("FRAMEPACK_WORKER_GPU_RESOURCE_NAME", "nvidia.com/mig-3g.40gb")
                .containsEntry("FRAMEPACK_WORKER_NODE_SELECTOR", "{\"nvidia.com/gpu.present\":\"true\"}")
                .containsEntry("FRAMEPACK_WORKER_TOLERATIONS",
                        "[{\"effect\":\"NoSchedule\",\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"}]");
        // Worker placement only: the operator's own pod runs wherever it did.
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getNodeSelector()).isEmpty();
        assertThat(pod.getTolerations()).isEmpty();
    }

    @Test
    void rbacGrantsNoWildcardsAndNoSecretsAccess() {
        ClusterRole role = only(render(Map.of()), ClusterRole.class);
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*", "secrets");
        }
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).contains("jobs");
            assertThat(rule.getVerbs()).contains("create", "delete", "watch");
        });
    }

    @Test
    void namespacedInstallBindsPerNamespaceAndServiceMonitorIsOptIn() {
        List<HasMetadata> objects = render(Map.of(
                "watchNamespaces[0]", "render-a",
                "watchNamespaces[1]", "render-b",
                "metrics.serviceMonitor.enabled", "true"));
        List<String> bindingNamespaces = objects.stream()
                .filter(o -> o.getKind().equals("RoleBinding") && !o.getMetadata().getName().endsWith("leader-election"))
                .map(o -> o.getMetadata().getNamespace()).toList();
        assertThat(bindingNamespaces).containsExactlyInAnyOrder("render-a", "render-b");
        assertThat(objects).noneMatch(o -> o.getKind().equals("ClusterRoleBinding"));
        assertThat(objects).anyMatch(o -> o.getKind().equals("ServiceMonitor"));
        Deployment deployment = only(objects, Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("QUARKUS_OPERATOR_SDK_CONTROLLERS_VIDEOGENERATION_NAMESPACES");
                    assertThat(e.getValue()).isEqualTo("render-a,render-b");
                });
    }

    @Test
    void chartShipsTheGeneratedCrdUnchanged() throws Exception {
        Path generated = Repo.root().resolve("crds/videogenerations.framepack.io-v1.yml");
        Path shipped = CHART.resolve("crds/videogenerations.framepack.io-v1.yml");
        assertThat(Files.readString(shipped)).isEqualTo(Files.readString(generated));
    }

    static List<HasMetadata> render(Map<String, String> values, Path... valuesFiles) {
        var template = new Helm(CHART).template().withName("fp").withNamespace("framepack-system");
        values.forEach(template::set);
        for (Path file : valuesFiles) {
            template.withValuesFile(file);
        }
        String yaml = template.call();
        try (KubernetesClient parser = new KubernetesClientBuilder().build()) {
            return parser.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
        }
    }

    /** The operator container's plain environment variables (those without valueFrom). */
    static Map<String, String> operatorEnv(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
    }

    static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> matches = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matches).as("%s objects", type.getSimpleName()).hasSize(1);
        return matches.get(0);
    }
}
