package io.framepack.operator;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
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

    private static OperatorConfig load(Map<String, String> placement) {
        Map<String, String> env = new HashMap<>(placement);
        env.put("FRAMEPACK_WORKER_IMAGE", "framepack-worker:test");
        return new SmallRyeConfigBuilder().withMapping(OperatorConfig.class)
                .withSources(new EnvConfigSource(env, 300)).build().getConfigMapping(OperatorConfig.class);
    }
}
