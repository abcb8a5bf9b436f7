package io.framepack.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Condition;
import io.framepack.api.worker.MemoryTier;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the operator observed; it is the only writer. Times are RFC 3339. Every integer is bounded
 * to what its Java field holds, so no stored status can make the operator's read of it fail.
 */
public class VideoGenerationStatus implements LenientDeserializer.Unreadable {
    public Long observedGeneration;
    public Phase phase;
    /** {@code metav1.Condition}s: Ready, Reconciling, Stalled (kstatus) and Scheduled, Progressing, Checkpointed. */
    public List<Condition> conditions = new ArrayList<>();

    /** Hash of the pixel-defining spec the worker Job was created for. */
    public String specHash;
    @Min(0) @Max(Formats.INT_MAX) public Integer sectionsTotal;
    @Min(0) @Max(Formats.INT_MAX) public Integer sectionsCompleted;
    /** "completed/total", e.g. {@code 3/8}. */
    public String progress;
    @Min(0) @Max(Formats.INT_MAX) public Integer currentSection;
    @Min(0) @Max(Formats.INT_MAX) public Integer currentStep;
    @Min(0) @Max(Formats.INT_MAX) public Integer stepsPerSection;
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

    /**
     * Why the stored status could not be read into this model (then all else is unset); null when it could.
     * Not in the CRD; serialized only so that it survives the operator framework's copies of the resource.
     */
    @SchemaFrom(type = void.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String unreadable;

    @Override
    public void unreadable(String why) {
        unreadable = why;
    }

    public enum Phase { Pending, Queued, Running, Suspended, Succeeded, Failed }

    /**
     * A finished section (index in generation order): the one record of it, as the worker reports
     * it ({@link io.framepack.api.worker.WorkerProgress#sections}) and as the status shows it.
     */
    public static class SectionStatus {
        @Min(0) @Max(Formats.INT_MAX) public int index;
        public String startedAt;
        public String finishedAt;
        public Double durationSeconds;
        /** The worker pod's attempt that rendered it. */
        @Min(0) @Max(Formats.INT_MAX) public Integer attempt;
        /** Pixel frames of the video after this section. */
        @Min(0) @Max(Formats.INT_MAX) public Integer frames;

        /** The section {@code index} that took {@code seconds} up to {@code finishedAt}. */
        public static SectionStatus finished(int index, Instant finishedAt, double seconds, Integer attempt, int frames) {
            SectionStatus section = new SectionStatus();
            section.index = index;
            section.startedAt = finishedAt.minusNanos((long) (seconds * 1e9)).toString();
            section.finishedAt = finishedAt.toString();
            section.durationSeconds = seconds;
            section.attempt = attempt;
            section.frames = frames;
            return section;
        }
    }

    public static class CheckpointStatus {
        /** Sections completed when it was taken. */
        @Min(0) @Max(Formats.INT_MAX) public int section;
        public String location;
        public String time;
        @Min(0) @Max(Formats.BYTES_MAX) public Long sizeBytes;
    }

    public static class OutputStatus {
        public String location;
        @Min(0) @Max(Formats.BYTES_MAX) public Long sizeBytes;
        @Min(0) @Max(Formats.INT_MAX) public Integer frames;
    }

    /** Worker pods that ended before the render did. */
    public static class Attempts {
        /** Pods stopped by preemption, eviction or node drain (never counted against backoffLimit). */
        @Min(0) @Max(Formats.INT_MAX) public int preemptions;
        /** Pods that crashed (counted against backoffLimit). */
        @Min(0) @Max(Formats.INT_MAX) public int failures;
        /** The most recent ended pods, newest last (bounded). */
        public List<AttemptRecord> history = new ArrayList<>();
    }

    public static class AttemptRecord {
        public String podName;
        /** Preempted, OOMKilled, Crashed, InvalidInput, DeadlineExceeded. */
        public String reason;
        @Min(-Formats.INT_MAX - 1) @Max(Formats.INT_MAX) public Integer exitCode;
        /** Sections completed when the pod ended. */
        @Min(0) @Max(Formats.INT_MAX) public Integer sectionsCompleted;
        public String time;
        public String message;
    }
}
