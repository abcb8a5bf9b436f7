package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * What runs in a pod: the pluggable half of the kubelet. The kubelet calls {@link #start} once a
 * pod runs on its node and {@link #stop} (SIGTERM, then SIGKILL after the grace period) once the
 * pod is deleted; the implementation reports its container's end with {@link Kubelet#terminated},
 * at once or later (a real process).
 */
public interface Containers {
    void start(Pod pod, Kubelet kubelet);

    void stop(Pod pod, Kubelet kubelet);

    /**
     * Containers whose life the test scripts: nothing runs, the test says when a container exits;
     * on SIGTERM the container exits at once with the code its program uses for a clean stop.
     */
    static Containers scripted(int exitCodeOnSigterm) {
        return new Containers() {
            @Override
            public void start(Pod pod, Kubelet kubelet) {
            }

            @Override
            public void stop(Pod pod, Kubelet kubelet) {
                kubelet.terminated(pod, exitCodeOnSigterm, "Error");
            }
        };
    }
}
