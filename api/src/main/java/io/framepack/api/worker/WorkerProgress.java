package io.framepack.api.worker;

import io.framepack.api.v1alpha1.VideoGenerationStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * What the worker reports in its progress ConfigMap (key {@link WorkerContract#PROGRESS_KEY}).
 * The worker rewrites the whole document at every event; the operator is its only reader and
 * turns it into the VideoGeneration status. Times are RFC 3339 strings.
 */
public class WorkerProgress {
    /** {@link WorkerContract#ENV_JOB_ID}: in every report, or the operator ignores it. */
    public String jobId;
    public String podName;
    public Integer attempt;
    public State state = State.Starting;
    public Integer sectionsTotal;
    public Integer sectionsCompleted = 0;
    /** Section being sampled now (0-based, in generation order), null between sections. */
    public Integer currentSection;
    public Integer currentStep;
    public Integer stepsPerSection;
    /** Section the current attempt resumed from (null on a fresh start). */
    public Integer resumedFromSection;
    /** The memory tier this attempt chose (null until the models are planned). */
    public MemoryTier memoryTier;
    /** Finished sections, in the record the status shows them in. */
    public List<VideoGenerationStatus.SectionStatus> sections = new ArrayList<>();
    public Checkpoint lastCheckpoint;
    public Output output;
    public String message;
    /** Machine-readable reason when {@link State#Failed}: InvalidInput, InvalidModel, InvalidLora, CheckpointMismatch, Error. */
    public String reason;
    public String updatedAt;

    public enum State { Starting, Loading, Encoding, Sampling, Decoding, Writing, Succeeded, Failed, Terminated }

    public static class Checkpoint {
        /** Sections completed when it was taken. */
        public int section;
        public String location;
        public String time;
        public Long sizeBytes;
    }

    public static class Output {
        /** The video's name within the output location; the operator builds the location from its spec and this. */
        public String file;
        /** Where the worker wrote it, as the worker sees it (its own mount paths): for logs, never trusted. */
        public String location;
        public Long sizeBytes;
        public Integer frames;
    }
}
