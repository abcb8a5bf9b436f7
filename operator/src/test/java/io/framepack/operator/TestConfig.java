package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

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
        return new TestWorker("framepack-worker:test", gpuResourceName, new WorkerPlacement.NodeSelector(nodeSelector),
                new WorkerPlacement.Tolerations(tolerations), Optional.empty(), new TestCredentials(true, false),
                TestPlacement.UNRESTRICTED);
    }

    TestConfig withWorker(UnaryOperator<TestWorker> change) {
        return new TestConfig(change.apply((TestWorker) worker), defaults);
    }

    private static TestDefaults storageDefaults() {
        return new TestDefaults(Optional.of("framepack-models"), Optional.of("framepack-outputs"),
                Optional.of("framepack-checkpoints"));
    }

    record TestWorker(String image, String gpuResourceName, WorkerPlacement.NodeSelector nodeSelector,
                      WorkerPlacement.Tolerations tolerations, Optional<UrlAllowlist> urlAllowlist,
                      Credentials credentials, Placement placement) implements Worker {
        TestWorker withImage(String other) {
            return new TestWorker(other, gpuResourceName, nodeSelector, tolerations, urlAllowlist, credentials, placement);
        }

        TestWorker withUrlAllowlist(List<String> entries) {
            return new TestWorker(image, gpuResourceName, nodeSelector, tolerations, Optional.of(new UrlAllowlist(entries)), credentials, placement);
        }

        TestWorker withCredentials(boolean requireLabel, boolean allowAmbient) {
            return new TestWorker(image, gpuResourceName, nodeSelector, tolerations, urlAllowlist,
                    new TestCredentials(requireLabel, allowAmbient), placement);
        }

        TestWorker withPlacement(Placement restricted) {
            return new TestWorker(image, gpuResourceName, nodeSelector, tolerations, urlAllowlist, credentials, restricted);
        }

        public Optional<String> imagePullPolicy() {
            return Optional.empty();
        }

        public String cpu() {
            return "4";
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

    record TestCredentials(boolean requireLabel, boolean allowAmbient) implements Credentials {
    }

    record TestPlacement(boolean restricted, Optional<List<String>> priorityClasses, Optional<List<String>> runtimeClasses,
                         Optional<List<String>> nodeSelectorKeys, Optional<List<String>> tolerationKeys) implements Placement {
        static final TestPlacement UNRESTRICTED = new TestPlacement(false, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());

        static TestPlacement allowing(List<String> priorityClasses, List<String> runtimeClasses,
                                      List<String> nodeSelectorKeys, List<String> tolerationKeys) {
            return new TestPlacement(true, Optional.of(priorityClasses), Optional.of(runtimeClasses),
                    Optional.of(nodeSelectorKeys), Optional.of(tolerationKeys));
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
