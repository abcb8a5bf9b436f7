package io.framepack.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.worker.WorkerContract;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles a VideoGeneration into one worker Job and mirrors the Job, its pods and the worker's
 * progress report into the resource status: observe, decide ({@link StatusLogic}), act.
 */
@ControllerConfiguration(name = VideoGenerationReconciler.NAME)
public class VideoGenerationReconciler implements Reconciler<VideoGeneration> {
    static final String NAME = "videogeneration";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** The informer of the renders that re-rolls start from; the observer reads a source from its cache. */
    static final String REROLL_SOURCES = "reroll-sources";

    private final Observer observer;
    private final Actions actions;
    private final RenderMetrics metrics;

    public VideoGenerationReconciler(OperatorConfig config, RenderMetrics metrics) {
        WorkerObjects objects = new WorkerObjects(config);
        this.observer = new Observer(config, objects);
        this.actions = new Actions(objects);
        this.metrics = metrics;
    }

    @Override
    public List<EventSource<?, VideoGeneration>> prepareEventSources(EventSourceContext<VideoGeneration> context) {
        var jobs = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, VideoGeneration.class)
                .withLabelSelector(Names.RENDER_LABEL).build(), context);
        // Pods belong to the Job; the render label on the pod template leads back to the resource.
        var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, VideoGeneration.class)
                .withLabelSelector(Names.RENDER_LABEL)
                .withSecondaryToPrimaryMapper(pod -> Set.of(new ResourceID(
                        pod.getMetadata().getLabels().get(Names.RENDER_LABEL), pod.getMetadata().getNamespace())))
                .build(), context);
        var progress = new InformerEventSource<>(InformerEventSourceConfiguration.from(ConfigMap.class, VideoGeneration.class)
                .withLabelSelector(WorkerContract.PROGRESS_LABEL).build(), context);
        // A re-roll waits for its source's checkpoint: a change of any render reconciles the re-rolls naming it.
        var sources = new InformerEventSource<>(InformerEventSourceConfiguration.from(VideoGeneration.class, VideoGeneration.class)
                .withName(REROLL_SOURCES)
                .withSecondaryToPrimaryMapper(source -> context.getPrimaryCache()
                        .list(source.getMetadata().getNamespace(), vg -> vg.getSpec() != null && vg.getSpec().from != null
                                && source.getMetadata().getName().equals(vg.getSpec().from.name)
                                && !vg.getMetadata().getName().equals(source.getMetadata().getName()))
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(), context);
        return List.of(jobs, pods, progress, sources);
    }

    @Override
    public UpdateControl<VideoGeneration> reconcile(VideoGeneration vg, Context<VideoGeneration> context) {
        // Here, not once in prepareEventSources: that would create the metrics bean, and register its
        // gauges, at every start even with nothing to reconcile; where a JVM restarts the application
        // (the Quarkus tests) the gauges of an earlier start then stay in the registry, on a dead cache.
        metrics.countRendersIn(context.getPrimaryCache());
        Observation observation = observer.observe(vg, context);
        Decision decision = StatusLogic.decide(vg, observation, Instant.now());
        String createRefused = actions.execute(vg, decision, context);
        if (createRefused != null) {
            decision = StatusLogic.decide(vg, observation.withCreateRefused(createRefused), Instant.now());
        }
        if (!Objects.equals(SERIALIZATION.asJson(decision.status()), SERIALIZATION.asJson(vg.getStatus()))) {
            VideoGeneration updated = new VideoGeneration();
            updated.setMetadata(vg.getMetadata());
            updated.setSpec(vg.getSpec());
            updated.setStatus(decision.status());
            // A full status replace guarded by resourceVersion: a reconcile that read a stale status
            // gets a conflict and is retried instead of counting the same pod failure twice.
            context.resourceOperations().updatePrimaryStatus(updated);
        }
        // Only now: after a conflict the retry decides (and tells) again, so nothing is told or counted twice.
        actions.announce(context.getClient(), vg, decision.notices());
        metrics.record(decision);
        UpdateControl<VideoGeneration> control = UpdateControl.noUpdate();
        return decision.recheckAfter() == null ? control : control.rescheduleAfter(decision.recheckAfter());
    }

    @Override
    public ErrorStatusUpdateControl<VideoGeneration> updateErrorStatus(VideoGeneration vg, Context<VideoGeneration> context,
                                                                       Exception error) {
        metrics.reconcileError(error);
        actions.announce(context.getClient(), vg, List.of(new Decision.Notice(true, Reasons.RECONCILE_ERROR,
                error.getClass().getSimpleName() + ": " + error.getMessage())));
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
}
