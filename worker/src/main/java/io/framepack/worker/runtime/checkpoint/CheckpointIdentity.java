package io.framepack.worker.runtime.checkpoint;

/**
 * What a checkpoint belongs to. A checkpoint is only resumed by the same job, with the same
 * pixel-defining spec and the same model files; anything else would silently splice two
 * different videos.
 *
 * @param jobId    the render's stable identity
 * @param specHash hash of everything that defines the pixels (prompt, image, settings)
 * @param modelId  fingerprint of the model files ({@link io.framepack.worker.model.ModelDirectory#identity()})
 */
public record CheckpointIdentity(String jobId, String specHash, String modelId) {

    /** Why {@code other} may not be resumed by this identity, or null when it may. */
    public String mismatch(CheckpointIdentity other) {
        if (!specHash.equals(other.specHash)) {
            return "it was made for a different spec (" + other.specHash + ", this job is " + specHash + ")";
        }
        if (!modelId.equals(other.modelId)) {
            return "it was made with different model files (" + other.modelId + ", now " + modelId + ")";
        }
        if (!jobId.equals(other.jobId)) {
            return "it belongs to job " + other.jobId + ", not " + jobId;
        }
        return null;
    }
}
