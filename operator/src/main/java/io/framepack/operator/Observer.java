package io.framepack.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerProgress;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the worker Job, its pods and the progress ConfigMap of one render from the informer caches.
 * Only objects this very resource controls count: one of the same name may be left from an earlier
 * resource of that name, and the progress ConfigMap is written by the worker, so nothing in it is trusted.
 */
final class Observer {
    private static final Logger LOG = Logger.getLogger(Observer.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** A progress report is a few KiB; a larger one is not the worker's writing and is not read. */
    static final int MAX_PROGRESS_CHARS = 256 * 1024;

    private final OperatorConfig config;
    private final WorkerObjects objects;

    Observer(OperatorConfig config, WorkerObjects objects) {
        this.config = config;
        this.objects = objects;
    }

    Observation observe(VideoGeneration vg, Context<VideoGeneration> context) {
        List<String> problems = new ArrayList<>(SpecValidator.validate(vg, config.defaults()));
        Job job = controlled(context.getSecondaryResources(Job.class).stream(), Names.job(vg), vg).orElse(null);
        // The source is read from the informer whose event wakes a waiting re-roll: the primary cache is
        // a different informer and may not hold the source's new checkpoint yet, and no later event
        // would wake the re-roll again.
        var sources = (InformerEventSource<VideoGeneration, VideoGeneration>) context.eventSourceRetriever()
                .<VideoGeneration>getEventSourceFor(VideoGeneration.class, VideoGenerationReconciler.REROLL_SOURCES);
        RerollStart reroll = RerollStart.resolve(vg, name -> sources
                .get(new ResourceID(name, vg.getMetadata().getNamespace())).orElse(null), config.defaults());
        if (job == null) {
            // Once its worker runs, a re-roll no longer needs its source's resource (its checkpoints suffice).
            problems.addAll(reroll.problems());
        }
        if (problems.isEmpty() && job == null) {
            // The cluster's policies decide whether a worker may start; a running one is not judged again.
            PlacementPolicy.check(vg.getSpec().scheduling, config.worker(), problems);
            CredentialsPolicy.check(vg, config, context.getClient(), problems);
        }
        String specHash = problems.isEmpty() ? objects.specHash(vg, reroll.from()) : null;
        List<Pod> pods = job == null ? List.of() : context.getSecondaryResources(Pod.class).stream()
                .filter(pod -> controlledBy(pod, job))
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp(),
                                Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(p -> p.getMetadata().getName()))
                .toList();
        boolean ended = vg.getStatus() != null && (vg.getStatus().phase == Phase.Succeeded || vg.getStatus().phase == Phase.Failed);
        List<String> leftovers = job == null && problems.isEmpty() && !ended ? leftovers(vg, context.getClient()) : List.of();
        WorkerProgress progress = controlled(context.getSecondaryResources(ConfigMap.class).stream(),
                Names.progressConfigMap(vg), vg).map(map -> readProgress(vg, map)).orElse(null);
        StorageLocation output = problems.isEmpty() ? ResolvedStorage.resolve(vg.getSpec(), config.defaults()).output() : null;
        boolean podWanted = job != null && !Boolean.TRUE.equals(job.getSpec().getSuspend())
                && pods.stream().noneMatch(p -> p.getStatus() == null || "Pending".equals(p.getStatus().getPhase())
                || "Running".equals(p.getStatus().getPhase()));
        String podsRefused = podWanted ? podsRefused(job, pods, context.getClient()) : null;
        return new Observation(problems, specHash, objects.gpuResourceName(vg.getSpec()), output, job, pods, progress, leftovers,
                podsRefused, null, reroll);
    }

    private static WorkerProgress readProgress(VideoGeneration vg, ConfigMap map) {
        String json = map.getData() == null ? null : map.getData().get(WorkerContract.PROGRESS_KEY);
        if (json == null || json.isBlank()) {
            return null;
        }
        if (json.length() > MAX_PROGRESS_CHARS) {
            LOG.warnf("Progress report in ConfigMap %s/%s ignored: %d characters, more than %d", vg.getMetadata().getNamespace(),
                    map.getMetadata().getName(), json.length(), MAX_PROGRESS_CHARS);
            return null;
        }
        try {
            return JSON.readValue(json, WorkerProgress.class);
        } catch (IOException e) {
            // The status keeps what it had; the next report (the worker rewrites the whole document) heals it.
            LOG.warnf("Unreadable progress report in ConfigMap %s/%s: %s", vg.getMetadata().getNamespace(),
                    map.getMetadata().getName(), e.getMessage());
            return null;
        }
    }

    /**
     * Objects that bear the names of this render's worker objects but belong to something else,
     * mostly an earlier resource of the same name whose objects the garbage collector has not yet
     * deleted. Read from the API server (most are not watched), and only while a worker would be created.
     */
    private static List<String> leftovers(VideoGeneration vg, KubernetesClient client) {
        String ns = vg.getMetadata().getNamespace();
        return Stream.of(
                        client.batch().v1().jobs().inNamespace(ns).withName(Names.job(vg)).get(),
                        client.configMaps().inNamespace(ns).withName(Names.jobConfigMap(vg)).get(),
                        client.configMaps().inNamespace(ns).withName(Names.progressConfigMap(vg)).get(),
                        client.serviceAccounts().inNamespace(ns).withName(Names.worker(vg)).get(),
                        client.rbac().roles().inNamespace(ns).withName(Names.worker(vg)).get(),
                        client.rbac().roleBindings().inNamespace(ns).withName(Names.worker(vg)).get())
                .filter(Objects::nonNull)
                .filter(object -> !controlledBy(object, vg))
                .map(object -> object.getKind() + " " + object.getMetadata().getName())
                .toList();
    }

    /**
     * The Job controller's newest FailedCreate Event on the Job since its newest pod: pods refused by
     * admission (an unknown PriorityClass or RuntimeClass, a quota) show nowhere else. Best effort:
     * without the right to list Events the status just waits for the pod.
     */
    private static String podsRefused(Job job, List<Pod> pods, KubernetesClient client) {
        String newestPod = pods.isEmpty() ? null : pods.get(pods.size() - 1).getMetadata().getCreationTimestamp();
        try {
            // Filtered here, not by a field selector: read only while a Job waits for its pod.
            return client.v1().events().inNamespace(job.getMetadata().getNamespace()).list().getItems().stream()
                    .filter(e -> "FailedCreate".equals(e.getReason()) && e.getInvolvedObject() != null
                            && job.getMetadata().getUid().equals(e.getInvolvedObject().getUid())
                            && (newestPod == null || eventTime(e) == null || Instant.parse(eventTime(e)).isAfter(Instant.parse(newestPod))))
                    .max(Comparator.comparing(Observer::eventTime, Comparator.nullsFirst(Comparator.naturalOrder())))
                    .map(e -> Bounded.text(e.getMessage(), Bounded.MESSAGE)).orElse(null);
        } catch (KubernetesClientException e) {
            LOG.debugf("Cannot list the Events of Job %s/%s: %s", job.getMetadata().getNamespace(), job.getMetadata().getName(),
                    e.getMessage());
            return null;
        }
    }

    private static String eventTime(Event event) {
        return event.getLastTimestamp() != null ? event.getLastTimestamp() : event.getMetadata().getCreationTimestamp();
    }

    private static <T extends HasMetadata> Optional<T> controlled(Stream<T> candidates, String name, HasMetadata owner) {
        return candidates.filter(o -> name.equals(o.getMetadata().getName()) && controlledBy(o, owner)).findFirst();
    }

    /** The controller owner reference names this very object (its uid), not just one of its name. */
    static boolean controlledBy(HasMetadata object, HasMetadata owner) {
        List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
        return owners != null && owners.stream().anyMatch(o -> Boolean.TRUE.equals(o.getController())
                && Objects.equals(o.getUid(), owner.getMetadata().getUid()));
    }
}
