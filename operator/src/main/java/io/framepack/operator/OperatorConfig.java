package io.framepack.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Operator settings (application.properties, environment, Helm values). */
@ConfigMapping(prefix = "framepack")
public interface OperatorConfig {
    Worker worker();

    Defaults defaults();

    interface Worker {
        /** The worker image; its entry point must offer {@code framepack-worker run}. */
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** UID/GID the worker runs as (non-root; also the fsGroup so PVCs are writable). */
        @WithDefault("1000")
        long runAsUser();

        /** Time the worker gets after SIGTERM to finish its checkpoint (kubelet grace period). */
        @WithDefault("120")
        int terminationGraceSeconds();

        /** Size limit of the /tmp emptyDir. */
        @WithDefault("8Gi")
        String scratchSize();

        @WithDefault("1")
        int checkpointEvery();

        @WithDefault("2")
        int keepCheckpoints();
    }

    /** Cluster-wide storage used when a VideoGeneration leaves model, output or checkpoints out. */
    interface Defaults {
        Optional<String> modelClaim();

        Optional<String> modelPath();

        Optional<String> outputClaim();

        Optional<String> outputPath();

        Optional<String> checkpointClaim();

        Optional<String> checkpointPath();
    }
}
