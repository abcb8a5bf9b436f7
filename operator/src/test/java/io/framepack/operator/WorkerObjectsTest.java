package io.framepack.operator;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.VideoGeneration;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker pod of the example manifests under the operator's cluster-wide worker placement. */
class WorkerObjectsTest {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Toleration SPOT_TAINT = new TolerationBuilder().withKey("cloud.example.com/spot")
            .withOperator("Equal").withValue("true").withEffect("NoSchedule").build();

    @Test
    void aResourceThatNamesNoPlacementGetsTheClusterDefaults() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withPlacement("nvidia.com/mig-3g.40gb",
                TestConfig.GPU_NODES, List.of(TestConfig.GPU_TAINT)));
        VideoGeneration vg = example("videogeneration-pvc.yaml");
        assertThat(vg.getSpec().resources.gpuResourceName).isNull();
        assertThat(vg.getSpec().scheduling).isNull();

        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/mig-3g.40gb", new Quantity("1"))
                .doesNotContainKey("nvidia.com/gpu");
        assertThat(pod.getNodeSelector()).isEqualTo(TestConfig.GPU_NODES);
        assertThat(pod.getTolerations()).containsExactly(TestConfig.GPU_TAINT);
        assertThat(objects.workerJob(vg).gpuMemoryBytes).isEqualTo(22L << 30);
        assertThat(pod.getContainers().get(0).getResources().getRequests()).containsEntry("memory", new Quantity("48Gi"));
    }

    @Test
    void theResourcesOwnPlacementWinsPerFieldAndAddsToTheClusterDefaults() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withPlacement("nvidia.com/mig-3g.40gb",
                Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB", "pool", "render"),
                List.of(TestConfig.GPU_TAINT, SPOT_TAINT)));
        // Names nvidia.com/gpu, the H100 product label and the GPU taint's toleration itself.
        VideoGeneration vg = example("videogeneration-s3-kueue.yaml");

        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/gpu", new Quantity("1"))
                .doesNotContainKey("nvidia.com/mig-3g.40gb");
        assertThat(pod.getNodeSelector()).isEqualTo(Map.of(
                "nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3",
                "pool", "render"));
        assertThat(pod.getTolerations()).containsExactly(TestConfig.GPU_TAINT, SPOT_TAINT);
        assertThat(pod.getPriorityClassName()).isEqualTo("batch-low");
        assertThat(objects.workerJob(vg).gpuMemoryBytes).as("no budget: what the GPU has free").isNull();
    }

    @Test
    void noPlacementAnywhereLeavesThePodUnconstrained() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withPlacement("nvidia.com/gpu", Map.of(), List.of()));
        PodSpec pod = objects.job(example("videogeneration-pvc.yaml")).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(pod.getNodeSelector()).isEmpty();
        assertThat(pod.getTolerations()).isEmpty();
        assertThat(SERIALIZATION.asJson(pod)).doesNotContain("nodeSelector", "tolerations");
    }

    private static VideoGeneration example(String file) throws IOException {
        return SERIALIZATION.unmarshal(Files.readString(Path.of("..", "src", "examples", file)), VideoGeneration.class);
    }
}
