package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;

import java.nio.file.Path;

/**
 * One render as the runtime sees it, whichever command started it.
 *
 * @param jobId           stable identity; names the checkpoints' owner and the output's claim
 * @param specHash        hash of everything that defines the pixels
 * @param modelId         fingerprint of the model files
 * @param outputName      base name of the video in the output store (no extension)
 * @param checkpointEvery save after every n-th section (and always after the last)
 * @param image           the start image's encoded bytes (PNG, JPEG, WebP)
 * @param device          "cpu", "gpu", or null for the GPU when one is visible
 * @param gpuMemoryBytes  the GPU memory budget, or null for what the device has free (see {@link MemoryPlan})
 */
public record RenderRequest(String jobId, String specHash, String modelId, String prompt, String negativePrompt,
                            RenderSettings settings, String outputName, int checkpointEvery, byte[] image,
                            Path modelDir, String device, Long gpuMemoryBytes) {

    public RenderRequest {
        if (checkpointEvery < 1) {
            throw new InvalidInputException(InvalidInputException.INPUT, "checkpointEvery must be at least 1, got " + checkpointEvery);
        }
    }
}
