package io.framepack.operator;

import io.framepack.api.v1alpha1.VideoGeneration;

/** Names and labels of the objects the operator creates for one VideoGeneration. */
public final class Names {
    /** On everything the operator creates, and on the worker pods: the owning VideoGeneration's name. */
    public static final String RENDER_LABEL = "framepack.io/render";
    public static final String KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR_NAME = "framepack-operator";
    public static final String WORKER_CONTAINER = "worker";
    /** With value "true" on a Secret: resources may name it as their S3 credentials. */
    public static final String CREDENTIALS_LABEL = "framepack.io/credentials";

    private Names() {
    }

    public static String job(VideoGeneration vg) {
        return vg.getMetadata().getName();
    }

    public static String jobConfigMap(VideoGeneration vg) {
        return vg.getMetadata().getName() + "-job";
    }

    public static String progressConfigMap(VideoGeneration vg) {
        return vg.getMetadata().getName() + "-progress";
    }

    /** ServiceAccount, Role and RoleBinding share this name. */
    public static String worker(VideoGeneration vg) {
        return vg.getMetadata().getName() + "-worker";
    }

    /** Identity of the render handed to the worker; the uid keeps a re-created resource apart. */
    public static String jobId(VideoGeneration vg) {
        return vg.getMetadata().getNamespace() + "/" + vg.getMetadata().getName() + "/" + vg.getMetadata().getUid();
    }
}
