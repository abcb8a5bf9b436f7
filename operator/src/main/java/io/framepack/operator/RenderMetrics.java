package io.framepack.operator;

import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicReference;

/** Prometheus metrics of the renders (scraped at /metrics). */
@ApplicationScoped
public class RenderMetrics {
    private final MeterRegistry registry;
    private final Counter sectionsCompleted;
    private final DistributionSummary sectionDuration;
    private final Counter preemptions;
    /** The cache of the controller that reconciled last (a restarted controller has a new one). */
    private final AtomicReference<ResourceCache<VideoGeneration>> renders = new AtomicReference<>();

    public RenderMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sectionsCompleted = Counter.builder("framepack.sections.completed")
                .description("Sections rendered, over all VideoGenerations").register(registry);
        this.sectionDuration = DistributionSummary.builder("framepack.section.duration").baseUnit("seconds")
                .description("Wall time of one section on the worker").publishPercentileHistogram()
                .register(registry);
        this.preemptions = Counter.builder("framepack.preemptions")
                .description("Worker pods preempted, evicted, drained or stopped by a suspend").register(registry);
        for (Phase phase : Phase.values()) {
            Gauge.builder("framepack.renders", renders, cache -> cache.get() == null ? 0
                            : cache.get().list().filter(vg -> phaseOf(vg) == phase).count())
                    .description("VideoGenerations by phase").tag("phase", phase.name()).register(registry);
        }
    }

    /** VideoGenerations per phase are counted from this cache at scrape time. */
    void countRendersIn(ResourceCache<VideoGeneration> cache) {
        renders.set(cache);
    }

    void record(Decision decision) {
        for (VideoGenerationStatus.SectionStatus section : decision.newSections()) {
            sectionsCompleted.increment();
            if (section.durationSeconds != null) {
                sectionDuration.record(section.durationSeconds);
            }
        }
        for (VideoGenerationStatus.AttemptRecord attempt : decision.newAttempts()) {
            if (Reasons.isInterruption(attempt.reason)) {
                preemptions.increment();
            } else {
                registry.counter("framepack.worker.failures", "reason", attempt.reason).increment();
            }
        }
    }

    void reconcileError(Exception error) {
        registry.counter("framepack.reconcile.errors", "error", error.getClass().getSimpleName()).increment();
    }

    private static Phase phaseOf(VideoGeneration vg) {
        return vg.getStatus() == null || vg.getStatus().phase == null ? Phase.Pending : vg.getStatus().phase;
    }
}
