package io.framepack.api.worker;

/**
 * The names both sides of the operator/worker boundary agree on: mount points, environment
 * variables, exit codes and the progress ConfigMap layout. Changing one is a protocol change.
 */
public final class WorkerContract {
    private WorkerContract() {
    }

    /** Where the operator mounts the rendered {@link WorkerJob} (JSON). */
    public static final String JOB_FILE = "/etc/framepack/job.json";
    public static final String MODEL_MOUNT = "/models";
    public static final String OUTPUT_MOUNT = "/output";
    public static final String CHECKPOINT_MOUNT = "/checkpoints";
    public static final String INPUT_MOUNT = "/input";
    /** Where the end image's claim is mounted (its own mount: it may be another claim than the start image's). */
    public static final String END_IMAGE_MOUNT = "/input-end";
    /** LoRA volumes: each claim the LoRAs name at {@code /loras/<n>}, n counting the distinct claims from 0. */
    public static final String LORA_MOUNT = "/loras";
    /** Writable scratch space (the root filesystem is read-only). */
    public static final String SCRATCH_MOUNT = "/tmp";

    /** Overrides {@link #JOB_FILE}. */
    public static final String ENV_JOB_FILE = "FRAMEPACK_JOB_FILE";
    /** Name of the ConfigMap the worker writes its progress to. */
    public static final String ENV_PROGRESS_CONFIGMAP = "FRAMEPACK_PROGRESS_CONFIGMAP";
    /**
     * Identity of the render ({@code namespace/name/uid}, as {@link WorkerJob#jobId}). The worker puts it
     * in every progress report, from the first, so the operator can tell this render's reports from
     * any other's; the operator ignores a report without it.
     */
    public static final String ENV_JOB_ID = "FRAMEPACK_JOB_ID";
    /** Namespace of the pod (downward API). */
    public static final String ENV_NAMESPACE = "FRAMEPACK_NAMESPACE";
    /** Name of the pod (downward API), reported in progress. */
    public static final String ENV_POD_NAME = "FRAMEPACK_POD_NAME";
    /**
     * Attempt number, reported in progress when set. The operator does not set it (a Job's pod
     * template cannot carry the retry count), so in a cluster it is absent and the operator numbers
     * attempts itself; it is for running the worker by hand or in tests.
     */
    public static final String ENV_ATTEMPT = "FRAMEPACK_ATTEMPT";
    /** "cpu" or "gpu" (default: gpu when CUDA is visible). */
    public static final String ENV_DEVICE = "FRAMEPACK_DEVICE";
    /** Seconds between SIGTERM and a forced exit; Kubernetes' default grace period is 30 s. */
    public static final String ENV_GRACE_SECONDS = "FRAMEPACK_GRACE_SECONDS";
    /** Bounds of {@link #ENV_GRACE_SECONDS} (a day at most). */
    public static final int MIN_GRACE_SECONDS = 1;
    public static final int MAX_GRACE_SECONDS = 86_400;
    /**
     * Image URLs may reach loopback, link-local, private and cluster-internal addresses (cloud
     * metadata included) only when allowed here: comma-separated host names, IP addresses or CIDR
     * ranges, e.g. {@code minio.storage.svc,10.0.0.0/8}.
     */
    public static final String URL_ALLOWLIST_ENV = "FRAMEPACK_URL_ALLOWLIST";
    public static final String ENV_S3_ACCESS_KEY = "AWS_ACCESS_KEY_ID";
    public static final String ENV_S3_SECRET_KEY = "AWS_SECRET_ACCESS_KEY";
    /**
     * "false" keeps the S3 client from the pod's ambient credentials (instance role, web identity,
     * profile files) when no credentials Secret is named: its requests go unsigned. The operator always
     * sets it; unset (a run by hand) allows them.
     */
    public static final String ENV_S3_AMBIENT_CREDENTIALS = "FRAMEPACK_S3_AMBIENT_CREDENTIALS";

    /** Key of the progress ConfigMap that holds the {@link WorkerProgress} JSON. */
    public static final String PROGRESS_KEY = "progress.json";
    /** Label on progress ConfigMaps, so the operator can watch only its own. */
    public static final String PROGRESS_LABEL = "framepack.io/progress";
}
