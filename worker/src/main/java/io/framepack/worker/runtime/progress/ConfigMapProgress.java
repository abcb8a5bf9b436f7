package io.framepack.worker.runtime.progress;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerProgress;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Keeps the job's progress ConfigMap ({@link WorkerContract#PROGRESS_KEY}) up to date with a
 * {@link WorkerProgress} document: the operator turns it into the VideoGeneration status. Every
 * event but a step is written at once; steps at most once per {@code stepInterval}. A failing
 * API server costs a warning, never the render. Sections finished by earlier attempts are kept
 * when a later attempt resumes after them.
 */
public final class ConfigMapProgress implements ProgressListener {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final String name;
    private final Resource<ConfigMap> configMap;
    private final Duration stepInterval;
    private final Consumer<String> warnings;
    private final Clock clock;
    private final WorkerProgress progress;
    private Instant sectionStarted;
    private Instant lastStepWrite = Instant.MIN;

    /** @param jobId the render's identity from the operator, in every report (null when run by hand) */
    public ConfigMapProgress(KubernetesClient client, String namespace, String name, String jobId, String podName,
                             Integer attempt, Duration stepInterval, Consumer<String> warnings) {
        this(client, namespace, name, jobId, podName, attempt, stepInterval, warnings, Clock.systemUTC());
    }

    ConfigMapProgress(KubernetesClient client, String namespace, String name, String jobId, String podName,
                      Integer attempt, Duration stepInterval, Consumer<String> warnings, Clock clock) {
        this.name = name;
        this.configMap = client.configMaps().inNamespace(namespace).withName(name);
        this.stepInterval = stepInterval;
        this.warnings = warnings;
        this.clock = clock;
        this.progress = previousOrNew();
        progress.jobId = jobId;
        progress.podName = podName;
        progress.attempt = attempt;
        this.sectionStarted = clock.instant();
    }

    /**
     * Client settings for progress reporting: an API server that does not answer must cost a
     * render seconds, not the client's default of ten retries with growing back-off per event.
     */
    public static Config tuned(Config config) {
        config.setRequestRetryBackoffLimit(1);
        config.setRequestRetryBackoffInterval(200);
        config.setConnectionTimeout(3_000);
        config.setRequestTimeout(5_000);
        return config;
    }

    /** The document as it stands (for tests and the final exit message). */
    public synchronized WorkerProgress progress() {
        return progress;
    }

    @Override
    public synchronized void on(ProgressEvent event) {
        Instant now = clock.instant();
        if (event instanceof ProgressEvent.JobStarted started) {
            progress.jobId = started.jobId();
            progress.sectionsTotal = started.sectionsTotal();
            progress.stepsPerSection = started.stepsPerSection();
            progress.resumedFromSection = started.resumedFromSection();
            int kept = started.resumedFromSection() == null ? 0 : started.resumedFromSection();
            progress.sections.removeIf(section -> section.index >= kept);
            progress.sectionsCompleted = kept;
            progress.state = WorkerProgress.State.Loading;
            progress.reason = null;
            progress.message = null;
            sectionStarted = now;
        } else if (event instanceof ProgressEvent.Phase phase) {
            progress.state = phase.state();
            progress.message = phase.message();
        } else if (event instanceof ProgressEvent.MemoryPlanned plan) {
            progress.memoryTier = plan.tier();
            progress.message = plan.message();
        } else if (event instanceof ProgressEvent.Step step) {
            progress.state = WorkerProgress.State.Sampling;
            if (!Integer.valueOf(step.section()).equals(progress.currentSection)) {
                sectionStarted = now;
            }
            progress.currentSection = step.section();
            progress.currentStep = step.step();
            boolean last = step.step() >= step.steps();
            if (!last && Duration.between(lastStepWrite, now).compareTo(stepInterval) < 0) {
                return;
            }
            lastStepWrite = now;
        } else if (event instanceof ProgressEvent.SectionDone done) {
            progress.sections.removeIf(s -> s.index == done.section());
            progress.sections.add(VideoGenerationStatus.SectionStatus.finished(done.section(), now, done.seconds(),
                    progress.attempt, done.frames()));
            progress.sectionsCompleted = done.sectionsCompleted();
            progress.currentSection = null;
            progress.currentStep = null;
        } else if (event instanceof ProgressEvent.CheckpointSaved saved) {
            WorkerProgress.Checkpoint checkpoint = new WorkerProgress.Checkpoint();
            checkpoint.section = saved.sectionsCompleted();
            checkpoint.location = saved.location();
            checkpoint.time = now.toString();
            checkpoint.sizeBytes = saved.bytes();
            progress.lastCheckpoint = checkpoint;
        } else if (event instanceof ProgressEvent.OutputWritten written) {
            WorkerProgress.Output output = new WorkerProgress.Output();
            output.file = written.file();
            output.location = written.location();
            output.sizeBytes = written.bytes();
            output.frames = written.frames();
            progress.output = output;
        } else if (event instanceof ProgressEvent.Warning warning) {
            progress.message = warning.message();
        } else if (event instanceof ProgressEvent.Terminated terminated) {
            progress.state = WorkerProgress.State.Terminated;
            progress.message = terminated.message();
        } else if (event instanceof ProgressEvent.Failed failed) {
            progress.state = WorkerProgress.State.Failed;
            progress.reason = failed.reason();
            progress.message = failed.message();
        } else if (event instanceof ProgressEvent.PreviewWritten) {
            return;
        }
        progress.updatedAt = now.toString();
        write();
    }

    private void write() {
        String document;
        try {
            document = JSON.writeValueAsString(progress);
        } catch (IOException e) {
            throw new IllegalStateException("WorkerProgress is a plain document", e);
        }
        try {
            // One request per event: a merge patch of the one key; the map is created only if it is missing.
            try {
                configMap.patch(PatchContext.of(PatchType.JSON_MERGE), new ConfigMapBuilder()
                        .withNewMetadata().withName(name).endMetadata()
                        .addToData(WorkerContract.PROGRESS_KEY, document)
                        .build());
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                    throw e;
                }
                configMap.create(new ConfigMapBuilder()
                        .withNewMetadata().withName(name)
                        .addToLabels(WorkerContract.PROGRESS_LABEL, "true").endMetadata()
                        .addToData(WorkerContract.PROGRESS_KEY, document)
                        .build());
            }
        } catch (KubernetesClientException e) {
            warnings.accept("cannot update progress ConfigMap " + name + ": " + e.getMessage());
        }
    }

    private WorkerProgress previousOrNew() {
        try {
            ConfigMap existing = configMap.get();
            String document = existing == null || existing.getData() == null ? null
                    : existing.getData().get(WorkerContract.PROGRESS_KEY);
            if (document != null) {
                return JSON.readValue(document, WorkerProgress.class);
            }
        } catch (KubernetesClientException | IOException e) {
            warnings.accept("cannot read progress ConfigMap " + name + ", starting a new document: " + e.getMessage());
        }
        return new WorkerProgress();
    }
}
