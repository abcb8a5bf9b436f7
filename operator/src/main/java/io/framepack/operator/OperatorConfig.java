package io.framepack.operator;

import io.framepack.api.worker.WorkerJob;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/** Operator settings (application.properties, environment, Helm values). */
@ConfigMapping(prefix = "framepack")
public interface OperatorConfig {
    Worker worker();

    Defaults defaults();

    interface Worker {
        /** The worker image, best by digest ({@code repo@sha256:...}); its entry point must offer {@code framepack-worker run}. */
        String image();

        /** Unset: IfNotPresent for an image by digest (it cannot change), Always for a tag (it may move). */
        @WithConverter(WorkerSettings.PullPolicyConverter.class)
        Optional<String> imagePullPolicy();

        /**
         * CPU request and limit of worker pods whose resource sets no {@code spec.resources.cpu}; a
         * resource's own cpu is its request and limit. A limit keeps one render from starving the node.
         */
        @WithDefault("4")
        @WithConverter(WorkerSettings.CpuConverter.class)
        String cpu();

        /**
         * Host names, IP addresses and CIDR blocks that image URLs may reach although they are
         * loopback, link-local or cluster-internal, which the worker refuses otherwise.
         */
        @WithConverter(UrlAllowlist.ListConverter.class)
        Optional<UrlAllowlist> urlAllowlist();

        Credentials credentials();

        Placement placement();

        /** UID/GID the worker runs as (non-root; also the fsGroup so PVCs are writable). */
        @WithDefault("1000")
        long runAsUser();

        /** Time the worker gets after SIGTERM to finish its checkpoint (kubelet grace period). */
        @WithDefault("120")
        int terminationGraceSeconds();

        /** Size limit of the /tmp emptyDir. */
        @WithDefault("8Gi")
        String scratchSize();

        @WithDefault(WorkerJob.DEFAULT_CHECKPOINT_EVERY)
        int checkpointEvery();

        @WithDefault(WorkerJob.DEFAULT_KEEP_CHECKPOINTS)
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

    /** Which S3 credentials a render may use. */
    interface Credentials {
        /**
         * A resource may name as {@code credentialsSecret} only a Secret labelled
         * {@link Names#CREDENTIALS_LABEL}{@code =true}: being able to create a VideoGeneration must not
         * mean being able to use every Secret of the namespace. Needs the operator to read Secrets.
         */
        @WithDefault("true")
        boolean requireLabel();

        /**
         * Whether a render that names no Secret may use the pod's ambient credentials (node instance
         * role, web identity, profile files); otherwise its S3 requests go unsigned.
         */
        @WithDefault("false")
        boolean allowAmbient();
    }

    /**
     * What a resource's {@code spec.scheduling} may ask for. Off by default; when on, a resource may
     * use only the listed priority classes, runtime classes, node label keys and toleration keys, and
     * may not change a label the cluster-wide node selector sets.
     */
    interface Placement {
        @WithDefault("false")
        boolean restricted();

        Optional<List<String>> priorityClasses();

        Optional<List<String>> runtimeClasses();

        Optional<List<String>> nodeSelectorKeys();

        Optional<List<String>> tolerationKeys();
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
