package io.framepack.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        // A tag may move: pull it again (by digest, IfNotPresent: see imagesByDigest...).
        assertThat(container.getImagePullPolicy()).isEqualTo("Always");
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

    /** Each verb the operator's code uses, and nothing else (src/docs/security.md says which call needs which). */
    private static final Map<String, Set<String>> OPERATOR_PERMISSIONS = Map.ofEntries(
            Map.entry("framepack.io/videogenerations", Set.of("get", "list", "watch")),
            Map.entry("framepack.io/videogenerations/status", Set.of("update")),
            Map.entry("framepack.io/videogenerations/finalizers", Set.of("update")),
            Map.entry("batch/jobs", Set.of("get", "list", "watch", "create", "patch")),
            Map.entry("/pods", Set.of("list", "watch")),
            Map.entry("/configmaps", Set.of("list", "watch", "create", "get", "patch")),
            Map.entry("/serviceaccounts", Set.of("get", "create")),
            Map.entry("rbac.authorization.k8s.io/roles", Set.of("get", "create")),
            Map.entry("rbac.authorization.k8s.io/rolebindings", Set.of("get", "create")),
            Map.entry("/events", Set.of("create", "list")),
            Map.entry("/secrets", Set.of("get")));

    @Test
    void clusterWideRbacGrantsOnlyTheVerbsTheOperatorUses() {
        List<HasMetadata> objects = render(Map.of());
        ClusterRole role = only(objects, ClusterRole.class);
        assertThat(permissions(role.getRules())).isEqualTo(OPERATOR_PERMISSIONS);
        assertThat(only(objects, ClusterRoleBinding.class).getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    }

    @Test
    void namespacedInstallGrantsNothingClusterWide() {
        List<HasMetadata> objects = render(Map.of("watchNamespaces[0]", "render-a", "watchNamespaces[1]", "render-b"));
        assertThat(objects).noneMatch(o -> o.getKind().startsWith("Cluster"));
        List<Role> roles = objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(r -> !r.getMetadata().getName().endsWith("leader-election")).toList();
        assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).containsExactlyInAnyOrder("render-a", "render-b");
        assertThat(roles).allSatisfy(r -> assertThat(permissions(r.getRules())).isEqualTo(OPERATOR_PERMISSIONS));
        assertThat(objects.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filter(b -> !b.getMetadata().getName().endsWith("leader-election")))
                .allSatisfy(b -> assertThat(b.getRoleRef().getKind()).isEqualTo("Role"))
                .extracting(b -> b.getMetadata().getNamespace()).containsExactlyInAnyOrder("render-a", "render-b");
    }

    @Test
    void withoutTheCredentialsLabelCheckTheOperatorCannotReadSecrets() {
        List<HasMetadata> objects = render(Map.of("worker.credentials.requireLabel", "false"));
        assertThat(permissions(only(objects, ClusterRole.class).getRules())).doesNotContainKey("/secrets");
        assertThat(operatorEnv(only(objects, Deployment.class)))
                .containsEntry("FRAMEPACK_WORKER_CREDENTIALS_REQUIRE_LABEL", "false")
                .containsEntry("FRAMEPACK_WORKER_CREDENTIALS_ALLOW_AMBIENT", "false");
    }

    @Test
    void imagesByDigestAndTheWorkerSecuritySettingsReachTheOperator(@TempDir Path dir) throws IOException {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        Path values = Files.writeString(dir.resolve("pinned.yaml"), """
                image: {digest: "%1$s"}
                worker:
                  image: {digest: "%1$s"}
                  cpu: "16"
                  urlAllowlist: [minio.storage.svc, 10.20.0.0/16]
                  credentials: {allowAmbient: true}
                  placement:
                    restricted: true
                    priorityClasses: [batch-low]
                    tolerationKeys: [nvidia.com/gpu]
                """.formatted(digest));
        Deployment deployment = only(render(Map.of(), values), Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("ghcr.io/framepack-k8s/framepack-operator@" + digest);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImagePullPolicy())
                .isEqualTo("IfNotPresent");
        assertThat(operatorEnv(deployment))
                .containsEntry("FRAMEPACK_WORKER_IMAGE", "ghcr.io/framepack-k8s/framepack-worker@" + digest)
                .containsEntry("FRAMEPACK_WORKER_CPU", "16")
                .containsEntry("FRAMEPACK_WORKER_URL_ALLOWLIST", "minio.storage.svc,10.20.0.0/16")
                .containsEntry("FRAMEPACK_WORKER_CREDENTIALS_ALLOW_AMBIENT", "true")
                .containsEntry("FRAMEPACK_WORKER_PLACEMENT_RESTRICTED", "true")
                .containsEntry("FRAMEPACK_WORKER_PLACEMENT_PRIORITY_CLASSES", "batch-low")
                .containsEntry("FRAMEPACK_WORKER_PLACEMENT_RUNTIME_CLASSES", "")
                .containsEntry("FRAMEPACK_WORKER_PLACEMENT_TOLERATION_KEYS", "nvidia.com/gpu")
                // The operator picks the pull policy from the image: IfNotPresent for a digest.
                .doesNotContainKey("FRAMEPACK_WORKER_IMAGE_PULL_POLICY");
    }

    @Test
    void networkPoliciesNeedTheApiServerAddresses() {
        assertThatThrownBy(() -> render(Map.of("networkPolicy.enabled", "true")))
                .hasMessageContaining("networkPolicy.apiServerCidrs");
        assertThat(render(Map.of())).noneMatch(o -> o.getKind().equals("NetworkPolicy"));
    }

    @Test
    void networkPoliciesLetOnlyPrometheusScrapeAndWorkersReachOnlyDnsTheApiAndTheirHosts(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("policies.yaml"), """
                watchNamespaces: [render-a]
                networkPolicy:
                  enabled: true
                  apiServerCidrs: [10.0.0.1/32]
                  workerNamespaces: [render-b, render-a]
                  metricsFrom:
                    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                  workerEgress:
                    - to: [{ipBlock: {cidr: 52.216.0.0/15}}]
                      ports: [{port: 443, protocol: TCP}]
                """);
        List<NetworkPolicy> policies = render(Map.of(), values).stream().filter(NetworkPolicy.class::isInstance)
                .map(NetworkPolicy.class::cast).toList();
        NetworkPolicy operator = policies.stream().filter(p -> p.getMetadata().getNamespace().equals("framepack-system"))
                .collect(onlyOne());
        assertThat(operator.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(operator.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector()
                    .getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "monitoring"));
            assertThat(rule.getPorts()).singleElement().satisfies(port -> assertThat(port.getPort().getStrVal()).isEqualTo("http"));
        });

        List<NetworkPolicy> workers = policies.stream().filter(p -> p != operator).toList();
        assertThat(workers).extracting(p -> p.getMetadata().getNamespace()).containsExactlyInAnyOrder("render-a", "render-b");
        assertThat(workers).allSatisfy(policy -> {
            assertThat(policy.getSpec().getPodSelector().getMatchLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "framepack-operator");
            assertThat(policy.getSpec().getPodSelector().getMatchExpressions())
                    .anySatisfy(e -> assertThat(e.getKey()).isEqualTo("framepack.io/render"));
            assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
            assertThat(policy.getSpec().getIngress()).isEmpty();
            assertThat(policy.getSpec().getEgress()).extracting(rule -> rule.getPorts().stream()
                            .map(p -> p.getPort().getIntVal() + "/" + p.getProtocol()).toList())
                    .containsExactly(List.of("53/UDP", "53/TCP"), List.of("443/TCP", "6443/TCP"), List.of("443/TCP"));
            assertThat(policy.getSpec().getEgress().get(1).getTo()).singleElement()
                    .satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("10.0.0.1/32"));
            assertThat(policy.getSpec().getEgress().get(2).getTo()).singleElement()
                    .satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("52.216.0.0/15"));
        });
    }

    /** "group/resource" to verbs, over all rules. */
    private static Map<String, Set<String>> permissions(List<PolicyRule> rules) {
        Map<String, Set<String>> permissions = new TreeMap<>();
        for (PolicyRule rule : rules) {
            assertThat(rule.getResourceNames()).as("resourceNames").isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    permissions.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        return permissions;
    }

    private static <T> java.util.stream.Collector<T, ?, T> onlyOne() {
        return Collectors.collectingAndThen(Collectors.toList(), list -> {
            assertThat(list).hasSize(1);
            return list.get(0);
        });
    }

    @Test
    void namespacedInstallWatchesItsNamespacesAndServiceMonitorIsOptIn() {
        List<HasMetadata> objects = render(Map.of(
                "watchNamespaces[0]", "render-a",
                "watchNamespaces[1]", "render-b",
                "metrics.serviceMonitor.enabled", "true"));
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
