package io.framepack.operator;

import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.WorkerResources;

/**
 * What the status logic reads from the spec, with the defaults applied, computed once per
 * reconcile so that every part of the decision sees the same values.
 *
 * @param unreadable     the stored spec could not be decoded: none of the other values can be trusted
 * @param suspend        spec.suspend
 * @param queueName      the Kueue queue, or null
 * @param backoffLimit   failures allowed before the render fails
 * @param activeDeadlineSeconds the render's deadline, or null
 * @param ttlSecondsAfterFinished how long the finished Job stays, or null
 * @param memoryLimit    the worker's memory limit as written, for messages
 * @param gpuDescription what the worker's pod waits for when it cannot be scheduled
 * @param jobId          the identity a report of this render's worker carries
 */
record SpecFacts(boolean unreadable, boolean suspend, String queueName, int backoffLimit, Long activeDeadlineSeconds,
                 Integer ttlSecondsAfterFinished, String memoryLimit, String gpuDescription, String jobId) {

    static SpecFacts of(VideoGeneration vg, Observation observation) {
        VideoGenerationSpec spec = vg.getSpec();
        WorkerResources resources = spec.resources;
        int gpus = resources == null || resources.gpus == null ? WorkerResources.DEFAULT_GPUS : resources.gpus;
        return new SpecFacts(spec.unreadable != null, Boolean.TRUE.equals(spec.suspend), spec.queueName,
                spec.backoffLimit == null ? VideoGenerationSpec.DEFAULT_BACKOFF_LIMIT : spec.backoffLimit,
                spec.activeDeadlineSeconds, spec.ttlSecondsAfterFinished,
                resources == null || resources.memory == null ? "none set" : resources.memory,
                gpus == 0 ? "room for the worker" : gpus + " free " + observation.gpuResourceName(), Names.jobId(vg));
    }

    boolean queued() {
        return queueName != null;
    }
}
