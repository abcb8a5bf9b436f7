package io.framepack.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
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

        /** Extended resource the GPUs are requested as when a resource names none, e.g. {@code amd.com/gpu}. */
        @WithDefault("nvidia.com/gpu")
        String gpuResourceName();

        /** Labels every worker pod's node must carry; a resource's own nodeSelector adds to them and wins per key. */
        @WithDefault("{}")
        @WithConverter(WorkerPlacement.NodeSelectorConverter.class)
        WorkerPlacement.NodeSelector nodeSelector();

        /** Taints every worker pod tolerates, in addition to the resource's own tolerations. */
        @WithDefault("[]")
        @WithConverter(WorkerPlacement.TolerationsConverter.class)
        WorkerPlacement.Tolerations tolerations();
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
