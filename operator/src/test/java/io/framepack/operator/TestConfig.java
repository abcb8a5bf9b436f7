package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Operator configuration for tests that run without Quarkus (same defaults as the test profile). */
record TestConfig(Worker worker, Defaults defaults) implements OperatorConfig {
    static final Map<String, String> GPU_NODES = Map.of("nvidia.com/gpu.present", "true");
    static final Toleration GPU_TAINT = new TolerationBuilder().withKey("nvidia.com/gpu").withOperator("Exists")
            .withEffect("NoSchedule").build();

    static TestConfig withDefaults() {
        return withPlacement("nvidia.com/gpu", GPU_NODES, List.of(GPU_TAINT));
    }

    /** The test profile's storage defaults with the given cluster-wide worker placement. */
    static TestConfig withPlacement(String gpuResourceName, Map<String, String> nodeSelector, List<Toleration> tolerations) {
        return new TestConfig(worker(gpuResourceName, nodeSelector, tolerations), storageDefaults());
    }

    private static TestWorker worker(String gpuResourceName, Map<String, String> nodeSelector, List<Toleration> tolerations) {
        return new TestWorker(gpuResourceName, new WorkerPlacement.NodeSelector(nodeSelector),
                new WorkerPlacement.Tolerations(tolerations));
    }

    private static TestDefaults storageDefaults() {
        return new TestDefaults(Optional.of("framepack-models"), Optional.of("framepack-outputs"),
                Optional.of("framepack-checkpoints"));
    }

    record TestWorker(String gpuResourceName, WorkerPlacement.NodeSelector nodeSelector,
                      WorkerPlacement.Tolerations tolerations) implements Worker {
        public String image() {
            return "framepack-worker:test";
        }

        public String imagePullPolicy() {
            return "IfNotPresent";
        }

        public long runAsUser() {
            return 1000;
        }

        public int terminationGraceSeconds() {
            return 120;
        }

        public String scratchSize() {
            return "8Gi";
        }

        public int checkpointEvery() {
            return 1;
        }

        public int keepCheckpoints() {
            return 2;
        }
    }

    record TestDefaults(Optional<String> modelClaim, Optional<String> outputClaim, Optional<String> checkpointClaim)
            implements Defaults {
        public Optional<String> modelPath() {
            return Optional.empty();
        }

        public Optional<String> outputPath() {
            return Optional.empty();
        }

        public Optional<String> checkpointPath() {
            return Optional.empty();
        }
    }
}
