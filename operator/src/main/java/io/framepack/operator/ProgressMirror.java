package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.SectionStatus;
import io.framepack.api.worker.WorkerProgress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Copies this render's worker report into the status: sections, checkpoint, output, what is being
 * sampled. The report is written by the worker and so untrusted: every count and text is bounded,
 * and the output's place comes from the spec, never from the report.
 */
final class ProgressMirror {
    /** Section Events per reconcile; more finished sections are told in one. */
    static final int SECTION_EVENTS = 5;
    /** The file name a worker may give its video; the directory or bucket comes from the spec. */
    private static final Pattern OUTPUT_FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\\.mp4");

    private final VideoGenerationStatus status;
    private final StorageLocation output;
    private final PodHistory history;
    private final List<Decision.Notice> notices;

    /**
     * @param status  the status being decided, changed in place
     * @param output  where the video goes (from the spec or the cluster default), null when unknown
     * @param notices where the Events for finished sections go
     */
    ProgressMirror(VideoGenerationStatus status, StorageLocation output, PodHistory history, List<Decision.Notice> notices) {
        this.status = status;
        this.output = output;
        this.history = history;
        this.notices = notices;
    }

    /**
     * The report, if this render's worker wrote it: the worker puts the job's identity (with the
     * resource's uid) in every report, and it must come from a pod of this resource's Job.
     */
    static WorkerProgress ownReport(Observation observation, String jobId) {
        WorkerProgress progress = observation.progress();
        boolean own = progress != null && jobId.equals(progress.jobId) && progress.podName != null
                && observation.pods().stream().anyMatch(p -> progress.podName.equals(p.getMetadata().getName()));
        return own ? progress : null;
    }

    /** Mirrors the report into the status; returns the sections it finished since the stored status. */
    List<SectionStatus> apply(WorkerProgress progress, Pod activePod) {
        if (progress == null) {
            return List.of();
        }
        Integer total = Bounded.count(progress.sectionsTotal, Bounded.SECTIONS);
        if (total != null) {
            status.sectionsTotal = total;
        }
        Integer completed = Bounded.count(progress.sectionsCompleted, status.sectionsTotal == null ? Bounded.SECTIONS : status.sectionsTotal);
        if (completed != null) {
            status.sectionsCompleted = completed;
        }
        List<SectionStatus> newSections = mergeSections(progress);
        if (progress.lastCheckpoint != null && Bounded.count(progress.lastCheckpoint.section, Bounded.SECTIONS) != null) {
            WorkerProgress.Checkpoint c = progress.lastCheckpoint;
            VideoGenerationStatus.CheckpointStatus checkpoint = new VideoGenerationStatus.CheckpointStatus();
            checkpoint.section = c.section;
            checkpoint.location = Bounded.text(c.location, Bounded.SHORT_TEXT);
            checkpoint.time = Bounded.text(c.time, Bounded.SHORT_TEXT);
            checkpoint.sizeBytes = Bounded.bytes(c.sizeBytes);
            status.lastCheckpoint = checkpoint;
        }
        String outputLocation = progress.output == null ? null : outputLocation(progress.output.file);
        if (outputLocation != null) {
            VideoGenerationStatus.OutputStatus video = new VideoGenerationStatus.OutputStatus();
            video.location = outputLocation;
            video.sizeBytes = Bounded.bytes(progress.output.sizeBytes);
            video.frames = Bounded.count(progress.output.frames);
            status.output = video;
        }
        boolean live = activePod != null && activePod.getMetadata().getName().equals(progress.podName);
        status.currentSection = live ? Bounded.count(progress.currentSection, Bounded.SECTIONS) : null;
        status.currentStep = live ? Bounded.count(progress.currentStep) : null;
        Integer steps = Bounded.count(progress.stepsPerSection);
        status.stepsPerSection = steps != null ? steps : status.stepsPerSection;
        status.memoryTier = progress.memoryTier != null ? progress.memoryTier : status.memoryTier;
        return newSections;
    }

    /**
     * Where the video is, as the spec says: the worker only names the file (it may add a suffix
     * where the name was taken), so a report cannot point the status at anything else. What the
     * worker calls the location is its own view (its mount paths) and is not read.
     */
    private String outputLocation(String file) {
        if (file == null || output == null || !OUTPUT_FILE.matcher(file).matches()) {
            return null;
        }
        if (output.pvc == null) {
            return "s3://" + output.s3.bucket + "/" + (output.s3.prefix == null ? "" : output.s3.prefix) + file;
        }
        String path = output.pvc.path == null || output.pvc.path.isEmpty() ? "" : output.pvc.path + "/";
        return "pvc://" + output.pvc.claimName + "/" + path + file;
    }

    private List<SectionStatus> mergeSections(WorkerProgress progress) {
        List<SectionStatus> newSections = new ArrayList<>();
        Map<Integer, SectionStatus> byIndex = new TreeMap<>();
        status.sections.forEach(s -> byIndex.put(s.index, s));
        int sectionLimit = status.sectionsTotal == null ? Bounded.SECTIONS : status.sectionsTotal;
        for (SectionStatus reported : progress.sections == null ? List.<SectionStatus>of() : progress.sections) {
            SectionStatus known = byIndex.get(reported.index);
            if (reported.index < 0 || reported.index >= sectionLimit
                    || (known != null && Objects.equals(known.finishedAt, reported.finishedAt))) {
                continue;
            }
            // The worker's record, copied within the bounds the CRD accepts: a report is untrusted input.
            SectionStatus section = new SectionStatus();
            section.index = reported.index;
            section.startedAt = Bounded.text(reported.startedAt, Bounded.SHORT_TEXT);
            section.finishedAt = Bounded.text(reported.finishedAt, Bounded.SHORT_TEXT);
            section.durationSeconds = reported.durationSeconds == null || !(reported.durationSeconds >= 0) ? null : reported.durationSeconds;
            section.frames = Bounded.count(reported.frames);
            Integer attempt = Bounded.count(reported.attempt);
            section.attempt = attempt != null ? attempt : history.attemptOf(progress.podName);
            byIndex.put(section.index, section);
            newSections.add(section);
        }
        announce(newSections);
        status.sections = new ArrayList<>(byIndex.values());
        // The one place progress is set: sectionsTotal and sectionsCompleted change only in apply, just before.
        if (status.sectionsTotal != null) {
            int completed = status.sectionsCompleted == null ? status.sections.size() : status.sectionsCompleted;
            status.sectionsCompleted = completed;
            status.progress = completed + "/" + status.sectionsTotal;
        }
        return newSections;
    }

    /** One Event per finished section, but a report that finishes many at once gets one Event for the rest. */
    private void announce(List<SectionStatus> newSections) {
        for (SectionStatus section : newSections.subList(0, Math.min(newSections.size(), SECTION_EVENTS))) {
            notices.add(new Decision.Notice(false, Reasons.SECTION_COMPLETED, "Section " + (section.index + 1)
                    + (status.sectionsTotal == null ? "" : " of " + status.sectionsTotal) + " finished"
                    + (section.durationSeconds == null ? "" : String.format(" in %.1f s", section.durationSeconds))));
        }
        if (newSections.size() > SECTION_EVENTS) {
            notices.add(new Decision.Notice(false, Reasons.SECTION_COMPLETED,
                    (newSections.size() - SECTION_EVENTS) + " more sections finished"));
        }
    }
}
