package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.worker.WorkerProgress;

import java.util.List;

/**
 * Everything the decision needs, read once per reconcile from the informer caches.
 *
 * @param specProblems     reasons the spec cannot be rendered (empty when valid)
 * @param specHash         hash of the pixel-defining spec (null when invalid)
 * @param gpuResourceName  the extended resource the worker's GPUs are requested as (spec or cluster default)
 * @param output           where the video goes (spec or cluster default; null when the spec is invalid)
 * @param job              the worker Job this resource controls, or null
 * @param pods             the worker pods of that Job, oldest first
 * @param progress         the last readable progress report in the ConfigMap this resource controls, or null
 *                         (not yet checked to be this render's)
 * @param leftovers        objects with the names of this render's worker objects that belong to something
 *                         else (kind and name), looked for only while a worker would be created
 * @param podsRefused      why the Job controller could not create the worker pod (its newest FailedCreate
 *                         Event: admission, quota), looked for only while the Job has no pod; else null
 * @param createRefused    why this reconcile could not create the worker's objects (the API server's
 *                         answer), null until creating was tried and refused
 * @param reroll           where a re-roll ({@code spec.from}) starts, or why it waits ({@link RerollStart#NONE} for none)
 */
public record Observation(List<String> specProblems, String specHash, String gpuResourceName, StorageLocation output, Job job,
                          List<Pod> pods, WorkerProgress progress, List<String> leftovers, String podsRefused,
                          String createRefused, RerollStart reroll) {

    /** The same observation after creating the worker's objects was refused. */
    Observation withCreateRefused(String why) {
        return new Observation(specProblems, specHash, gpuResourceName, output, job, pods, progress, leftovers, podsRefused, why,
                reroll);
    }
}
