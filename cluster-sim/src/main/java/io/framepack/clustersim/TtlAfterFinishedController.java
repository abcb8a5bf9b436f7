package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The TTL-after-finished controller
 * (https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/): a Job that has
 * finished ({@code Complete} or {@code Failed}) and has {@code ttlSecondsAfterFinished} is deleted
 * once that many seconds have passed since it finished, with its dependents (the
 * {@link GarbageCollector} removes them). A TTL set or changed after the Job finished counts too.
 */
public final class TtlAfterFinishedController {
    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;

    public TtlAfterFinishedController(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    /** Deletes every Job whose TTL after finishing has run out. */
    public void sync() {
        Instant now = clock.instant();
        for (Job job : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
            Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
            Optional<Instant> finished = finishTime(job);
            if (ttl != null && finished.isPresent() && !now.isBefore(finished.get().plusSeconds(ttl))) {
                client.resource(job).delete();
            }
        }
    }

    private static Optional<Instant> finishTime(Job job) {
        return job.getStatus() == null || job.getStatus().getConditions() == null ? Optional.empty()
                : job.getStatus().getConditions().stream()
                .filter(c -> "True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())))
                .map(JobCondition::getLastTransitionTime).map(Instant::parse).findFirst();
    }
}
