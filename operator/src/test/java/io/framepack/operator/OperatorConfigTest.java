package io.framepack.operator;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The worker settings as the Helm chart passes them (environment variables) read through the same
 * SmallRye mapping Quarkus validates at startup.
 */
class OperatorConfigTest {

    @Test
    void unsetPlacementRequestsNvidiaGpusAnywhere() {
        OperatorConfig.Worker worker = load(Map.of()).worker();
        assertThat(worker.gpuResourceName()).isEqualTo("nvidia.com/gpu");
        assertThat(worker.nodeSelector().labels()).isEmpty();
        assertThat(worker.tolerations().items()).isEmpty();
    }

    @Test
    void chartEnvironmentVariablesBecomeTheWorkerPlacement() {
        OperatorConfig.Worker worker = load(Map.of(
                "FRAMEPACK_WORKER_GPU_RESOURCE_NAME", "amd.com/gpu",
                "FRAMEPACK_WORKER_NODE_SELECTOR", "{\"nvidia.com/gpu.present\":\"true\"}",
                "FRAMEPACK_WORKER_TOLERATIONS", "[{\"effect\":\"NoSchedule\",\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"}]"))
                .worker();
        assertThat(worker.gpuResourceName()).isEqualTo("amd.com/gpu");
        assertThat(worker.nodeSelector().labels()).isEqualTo(TestConfig.GPU_NODES);
        assertThat(worker.tolerations().items()).containsExactly(TestConfig.GPU_TAINT);
    }

    @Test
    void yamlWorksAsWellAsJson() {
        OperatorConfig.Worker worker = load(Map.of(
                "FRAMEPACK_WORKER_NODE_SELECTOR", "nvidia.com/gpu.present: \"true\"",
                "FRAMEPACK_WORKER_TOLERATIONS", "- {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}")).worker();
        assertThat(worker.nodeSelector().labels()).isEqualTo(TestConfig.GPU_NODES);
        assertThat(worker.tolerations().items()).containsExactly(TestConfig.GPU_TAINT);
    }

    @Test
    void invalidTolerationsStopTheOperatorNamingTheSetting() {
        assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_TOLERATIONS", "[{\"key\":\"nvidia.com/gpu\",\"efect\":\"NoSchedule\"}]")))
                .hasMessageContaining("framepack.worker.tolerations")
                .hasMessageContaining("unknown toleration field(s) [efect]");
        assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_TOLERATIONS", "nvidia.com/gpu:NoSchedule")))
                .hasMessageContaining("framepack.worker.tolerations")
                .hasMessageContaining("expected a list of tolerations as JSON or YAML");
    }

    @Test
    void aNodeSelectorMustBeAnObjectOfLabels() {
        assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_NODE_SELECTOR", "[\"nvidia.com/gpu.present\"]")))
                .hasMessageContaining("framepack.worker.node-selector")
                .hasMessageContaining("expected an object of node labels as JSON or YAML");
        assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_NODE_SELECTOR", "{\"nvidia.com/gpu.present\": null}")))
                .hasMessageContaining("framepack.worker.node-selector")
                .hasMessageContaining("node label nvidia.com/gpu.present has no value");
    }

    @Test
    void theUrlAllowlistIsCommaSeparatedHostsAddressesAndBlocks() {
        assertThat(load(Map.of()).worker().urlAllowlist()).isEmpty();
        assertThat(load(Map.of("FRAMEPACK_WORKER_URL_ALLOWLIST", "MinIO.storage.svc, 10.0.0.5,10.0.0.0/8,fd00::/8,::1"))
                .worker().urlAllowlist().map(UrlAllowlist::entries)).contains(List.of("minio.storage.svc", "10.0.0.5", "10.0.0.0/8", "fd00::/8", "::1"));
        for (String bad : List.of("http://minio", "10.0.0.0/33", "fd00::/129", "minio_storage", "10.0.0.0/x", "*.svc")) {
            assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_URL_ALLOWLIST", bad)))
                    .as(bad)
                    .hasMessageContaining("framepack.worker.url-allowlist")
                    .hasMessageContaining("is not a host name, an IP address or a CIDR block");
        }
    }

    @Test
    void securitySettingsDefaultToTheStrictChoice() {
        OperatorConfig.Worker worker = load(Map.of()).worker();
        assertThat(worker.credentials().requireLabel()).isTrue();
        assertThat(worker.credentials().allowAmbient()).isFalse();
        assertThat(worker.placement().restricted()).isFalse();
        assertThat(worker.imagePullPolicy()).isEmpty();
        OperatorConfig.Placement placement = load(Map.of(
                "FRAMEPACK_WORKER_PLACEMENT_RESTRICTED", "true",
                "FRAMEPACK_WORKER_PLACEMENT_PRIORITY_CLASSES", "batch-low,batch-high",
                "FRAMEPACK_WORKER_PLACEMENT_TOLERATION_KEYS", "nvidia.com/gpu")).worker().placement();
        assertThat(placement.restricted()).isTrue();
        assertThat(placement.priorityClasses()).contains(List.of("batch-low", "batch-high"));
        assertThat(placement.tolerationKeys()).contains(List.of("nvidia.com/gpu"));
        assertThat(placement.runtimeClasses()).isEmpty();
    }

    @Test
    void aCpuOrPullPolicyThePodApiRefusesStopsTheOperatorNamingTheSetting() {
        assertThat(load(Map.of("FRAMEPACK_WORKER_CPU", "500m", "FRAMEPACK_WORKER_IMAGE_PULL_POLICY", "Always")).worker())
                .satisfies(worker -> {
                    assertThat(worker.cpu()).isEqualTo("500m");
                    assertThat(worker.imagePullPolicy()).contains("Always");
                });
        assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_CPU", "1.2.3")))
                .hasMessageContaining("framepack.worker.cpu")
                .hasMessageContaining("'1.2.3' is not a positive number of cores");
        assertThatThrownBy(() -> load(Map.of("FRAMEPACK_WORKER_IMAGE_PULL_POLICY", "ifnotpresent")))
                .hasMessageContaining("framepack.worker.image-pull-policy")
                .hasMessageContaining("'ifnotpresent' is not an image pull policy");
    }

    private static OperatorConfig load(Map<String, String> placement) {
        Map<String, String> env = new HashMap<>(placement);
        env.put("FRAMEPACK_WORKER_IMAGE", "framepack-worker:test");
        return new SmallRyeConfigBuilder().withMapping(OperatorConfig.class)
                .withSources(new EnvConfigSource(env, 300)).build().getConfigMapping(OperatorConfig.class);
    }
}
