package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.framepack.api.worker.WorkerProgress;

import java.util.List;

/**
 * Everything the decision needs, read once per reconcile from the informer caches.
 *
 * @param specProblems     reasons the spec cannot be rendered (empty when valid)
 * @param specHash         hash of the pixel-defining spec (null when invalid)
 * @param gpuResourceName  the extended resource the worker's GPUs are requested as (spec or cluster default)
 * @param job              the worker Job, or null
 * @param pods             the worker pods of that Job, oldest first
 * @param progress         the worker's last readable progress report for this render, or null
 */
public record Observation(List<String> specProblems, String specHash, String gpuResourceName, Job job,
                          List<Pod> pods, WorkerProgress progress) {
}
