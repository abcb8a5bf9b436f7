package io.framepack.operator;

import java.util.Optional;

/** Operator configuration for tests that run without Quarkus (same defaults as the test profile). */
record TestConfig(Worker worker, Defaults defaults) implements OperatorConfig {

    static TestConfig withDefaults() {
        return new TestConfig(new TestWorker(), new TestDefaults(Optional.of("framepack-models"),
                Optional.of("framepack-outputs"), Optional.of("framepack-checkpoints")));
    }

    static TestConfig withoutDefaults() {
        return new TestConfig(new TestWorker(), new TestDefaults(Optional.empty(), Optional.empty(), Optional.empty()));
    }

    record TestWorker() implements Worker {
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
