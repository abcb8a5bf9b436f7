package io.framepack.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerProgress;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Reads the worker Job, its pods and the progress ConfigMap of one render from the informer caches. */
final class Observer {
    private static final Logger LOG = Logger.getLogger(Observer.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final OperatorConfig config;
    private final WorkerObjects objects;

    Observer(OperatorConfig config, WorkerObjects objects) {
        this.config = config;
        this.objects = objects;
    }

    Observation observe(VideoGeneration vg, Context<VideoGeneration> context) {
        List<String> problems = new ArrayList<>(SpecValidator.validate(vg, config.defaults()));
        Job job = context.getSecondaryResource(Job.class).orElse(null);
        if (problems.isEmpty() && job == null) {
            // The cluster's policies decide whether a worker may start; a running one is not judged again.
            PlacementPolicy.check(vg.getSpec().scheduling, config.worker(), problems);
            CredentialsPolicy.check(vg, config, context.getClient(), problems);
        }
        String specHash = problems.isEmpty() ? objects.specHash(vg) : null;
        List<Pod> pods = job == null ? List.of() : context.getSecondaryResources(Pod.class).stream()
                .filter(pod -> ownedBy(pod, job))
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp(),
                                Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(p -> p.getMetadata().getName()))
                .toList();
        WorkerProgress progress = null;
        ConfigMap progressMap = context.getSecondaryResource(ConfigMap.class).orElse(null);
        String json = progressMap == null || progressMap.getData() == null ? null
                : progressMap.getData().get(WorkerContract.PROGRESS_KEY);
        if (json != null && !json.isBlank()) {
            try {
                progress = JSON.readValue(json, WorkerProgress.class);
            } catch (IOException e) {
                // The status keeps what it had; the next report (the worker rewrites the whole document) heals it.
                LOG.warnf("Unreadable progress report in ConfigMap %s/%s: %s", vg.getMetadata().getNamespace(),
                        Names.progressConfigMap(vg), e.getMessage());
            }
        }
        return new Observation(problems, specHash, objects.gpuResourceName(vg.getSpec()), job, pods, progress);
    }

    /** Pods of an earlier Job of the same name (a re-created resource) may linger until garbage collection. */
    private static boolean ownedBy(Pod pod, Job job) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        return owners != null && owners.stream().anyMatch(o -> Objects.equals(o.getUid(), job.getMetadata().getUid()));
    }
}
