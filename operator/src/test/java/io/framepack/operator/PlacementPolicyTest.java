package io.framepack.operator;

import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.framepack.api.v1alpha1.Scheduling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster setting that limits what a resource's spec.scheduling may ask for. */
class PlacementPolicyTest {
    private static final OperatorConfig.Worker RESTRICTED = TestConfig.withDefaults().withWorker(w -> w.withPlacement(
            TestConfig.TestPlacement.allowing(List.of("batch-low"), List.of(), List.of("pool"), List.of("nvidia.com/gpu"))))
            .worker();

    @Test
    void anUnrestrictedClusterAllowsAnything() {
        assertThat(problems(TestConfig.withDefaults().worker(), greedy())).isEmpty();
    }

    @Test
    void aRestrictedClusterRefusesEachValueNotListedNamingFieldAndSetting() {
        assertThat(problems(RESTRICTED, greedy())).containsExactlyInAnyOrder(
                "spec.scheduling.priorityClassName: 'system-cluster-critical' is not allowed in this cluster;"
                        + " allowed: batch-low (operator setting framepack.worker.placement.priority-classes)",
                "spec.scheduling.runtimeClassName: 'kata' is not allowed in this cluster; none is"
                        + " (operator setting framepack.worker.placement.runtime-classes)",
                "spec.scheduling.nodeSelector.nvidia.com/gpu.present: the cluster places every worker on nodes with"
                        + " nvidia.com/gpu.present=true; a resource may not change that (got 'false')",
                "spec.scheduling.nodeSelector.team: 'team' is not allowed in this cluster; allowed: pool"
                        + " (operator setting framepack.worker.placement.node-selector-keys)",
                "spec.scheduling.tolerations[0].key: 'team-a/dedicated' is not allowed in this cluster;"
                        + " allowed: nvidia.com/gpu (operator setting framepack.worker.placement.toleration-keys)",
                "spec.scheduling.tolerations[1].key: a toleration without a key tolerates every taint,"
                        + " which this cluster does not allow");
    }

    @Test
    void aRestrictedClusterAllowsWhatItLists() {
        Scheduling modest = new Scheduling();
        modest.priorityClassName = "batch-low";
        modest.nodeSelector = Map.of("pool", "render", "nvidia.com/gpu.present", "true");
        modest.tolerations = List.of(TestConfig.GPU_TAINT);
        assertThat(problems(RESTRICTED, modest)).isEmpty();
        assertThat(problems(RESTRICTED, null)).isEmpty();
    }

    /** Everything a resource could use to jump the queue or land on nodes that are not its own. */
    private static Scheduling greedy() {
        Scheduling scheduling = new Scheduling();
        scheduling.priorityClassName = "system-cluster-critical";
        scheduling.runtimeClassName = "kata";
        scheduling.nodeSelector = Map.of("nvidia.com/gpu.present", "false", "team", "a");
        scheduling.tolerations = List.of(
                new TolerationBuilder().withKey("team-a/dedicated").withOperator("Exists").build(),
                new TolerationBuilder().withOperator("Exists").build());
        return scheduling;
    }

    private static List<String> problems(OperatorConfig.Worker worker, Scheduling scheduling) {
        List<String> problems = new ArrayList<>();
        PlacementPolicy.check(scheduling, worker, problems);
        return problems;
    }
}
