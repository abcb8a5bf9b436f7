package io.framepack.worker.runtime.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a job needs to continue exactly after {@code sectionsCompleted} sections, in the one
 * shape it keeps from the render to the store and back. The section count is said only here, and
 * it is also the position of the job's noise generator (each section draws exactly one noise
 * tensor). Only the store's manifest encodes it.
 *
 * @param identity       whose render this is: only the same job, spec and model files resume it
 * @param tensors        the state the paper carries from section to section, bit-exact (for the
 *                       section loop: latent history, start latent, decoded video so far)
 * @param settings       the few choices the render made that its remaining sections must keep
 *                       (e.g. whether it decoded in spatial tiles)
 * @param sectionSeconds how long each completed section took, for the video's sidecar
 */
public record Checkpoint(CheckpointIdentity identity, int sectionsCompleted, Map<String, FrameTensor> tensors,
                         Map<String, Long> settings, List<Double> sectionSeconds) {

    public Checkpoint {
        if (sectionsCompleted < 0) {
            throw new IllegalArgumentException("a checkpoint cannot follow " + sectionsCompleted + " sections");
        }
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        settings = Collections.unmodifiableMap(new TreeMap<>(settings));
        sectionSeconds = List.copyOf(sectionSeconds);
    }
}
