package io.framepack.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Condition;
import io.framepack.api.worker.MemoryTier;

import java.util.ArrayList;
import java.util.List;

/** What the operator observed; it is the only writer. Times are RFC 3339. */
public class VideoGenerationStatus {
    public Long observedGeneration;
    public Phase phase;
    /** {@code metav1.Condition}s: Ready, Reconciling, Stalled (kstatus) and Scheduled, Progressing, Checkpointed. */
    public List<Condition> conditions = new ArrayList<>();

    /** Hash of the pixel-defining spec the worker Job was created for. */
    public String specHash;
    public Integer sectionsTotal;
    public Integer sectionsCompleted;
    /** "completed/total", e.g. {@code 3/8}. */
    public String progress;
    public Integer currentSection;
    public Integer currentStep;
    public Integer stepsPerSection;
    /** How much of the model the worker's latest attempt kept on its GPU (see {@code spec.resources.gpuMemory}). */
    public MemoryTier memoryTier;
    public List<SectionStatus> sections = new ArrayList<>();
    public CheckpointStatus lastCheckpoint;
    public Attempts attempts = new Attempts();

    public String jobName;
    public String podName;
    public String nodeName;
    public OutputStatus output;
    public String startTime;
    public String completionTime;
    /** A sentence for people: what is happening or what to fix. */
    public String message;

    public enum Phase { Pending, Queued, Running, Suspended, Succeeded, Failed }

    /** A finished section (index in generation order). */
    public static class SectionStatus {
        public int index;
        public String startedAt;
        public String finishedAt;
        public Double durationSeconds;
        public Integer attempt;
        public Integer frames;
    }

    public static class CheckpointStatus {
        /** Sections completed when it was taken. */
        public int section;
        public String location;
        public String time;
        public Long sizeBytes;
    }

    public static class OutputStatus {
        public String location;
        public Long sizeBytes;
        public Integer frames;
    }

    /** Worker pods that ended before the render did. */
    public static class Attempts {
        /** Pods stopped by preemption, eviction or node drain (never counted against backoffLimit). */
        public int preemptions;
        /** Pods that crashed (counted against backoffLimit). */
        public int failures;
        /** The most recent ended pods, newest last (bounded). */
        public List<AttemptRecord> history = new ArrayList<>();
    }

    public static class AttemptRecord {
        public String podName;
        /** Preempted, OOMKilled, Crashed, InvalidInput, DeadlineExceeded. */
        public String reason;
        public Integer exitCode;
        /** Sections completed when the pod ended. */
        public Integer sectionsCompleted;
        public String time;
        public String message;
    }
}
