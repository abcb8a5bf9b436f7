package io.framepack.worker.runtime.progress;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.MemoryTier;
import io.framepack.api.worker.WorkerProgress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Against Fabric8's mock API server in CRUD mode: real HTTP, real client, stored objects. */
class ConfigMapProgressTest {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    KubernetesMockServer server;
    KubernetesClient client;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient(builder -> builder.withConfig(
                ConfigMapProgress.tuned(server.createClient().getConfiguration())));
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    WorkerProgress stored() throws IOException {
        ConfigMap map = client.configMaps().inNamespace("videos").withName("sunset-progress").get();
        return JSON.readValue(map.getData().get(WorkerContract.PROGRESS_KEY), WorkerProgress.class);
    }

    ConfigMapProgress reporter(String pod, int attempt) {
        return new ConfigMapProgress(client, "videos", "sunset-progress", "videos/sunset/u1", pod, attempt, Duration.ofHours(1),
                warnings::add);
    }

    @Test
    void reportsSectionsCheckpointsAndOutputIntoTheOperatorsConfigMap() throws IOException {
        client.configMaps().inNamespace("videos").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("sunset-progress").addToLabels(WorkerContract.PROGRESS_LABEL, "true")
                .addToLabels("owner", "operator").endMetadata().build()).create();
        ConfigMapProgress progress = reporter("sunset-abc", 0);

        progress.on(new ProgressEvent.JobStarted("videos/sunset/u1", 2, 3, null, "/checkpoints", "/output"));
        progress.on(new ProgressEvent.Step(0, 1, 3));
        assertThat(stored().currentStep).isEqualTo(1);
        progress.on(new ProgressEvent.Step(0, 2, 3));
        assertThat(stored().currentStep).as("steps are throttled").isEqualTo(1);
        progress.on(new ProgressEvent.Step(0, 3, 3));
        assertThat(stored().currentStep).as("a section's last step is always written").isEqualTo(3);
        progress.on(new ProgressEvent.SectionDone(0, 1, 2, 33, 1.5));
        progress.on(new ProgressEvent.CheckpointSaved(1, "/checkpoints/ckpt-000001-abcd0123/", 4096, 1024, 0.01));

        WorkerProgress stored = stored();
        assertThat(stored.jobId).isEqualTo("videos/sunset/u1");
        assertThat(stored.podName).isEqualTo("sunset-abc");
        assertThat(stored.sectionsTotal).isEqualTo(2);
        assertThat(stored.sectionsCompleted).isEqualTo(1);
        assertThat(stored.currentSection).isNull();
        assertThat(stored.sections).singleElement().satisfies(s -> {
            assertThat(s.index).isZero();
            assertThat(s.frames).isEqualTo(33);
            assertThat(s.durationSeconds).isEqualTo(1.5);
            assertThat(s.attempt).isZero();
        });
        assertThat(stored.lastCheckpoint.section).isEqualTo(1);
        assertThat(stored.lastCheckpoint.sizeBytes).isEqualTo(4096);

        progress.on(new ProgressEvent.OutputWritten("sunset.mp4", "/output/sunset.mp4", "/output/sunset.json", 12345, 73));
        progress.on(new ProgressEvent.Phase(WorkerProgress.State.Succeeded, "done"));
        stored = stored();
        assertThat(stored.state).isEqualTo(WorkerProgress.State.Succeeded);
        assertThat(stored.output.file).isEqualTo("sunset.mp4");
        assertThat(stored.output.location).isEqualTo("/output/sunset.mp4");
        assertThat(stored.output.frames).isEqualTo(73);
        assertThat(client.configMaps().inNamespace("videos").withName("sunset-progress").get().getMetadata().getLabels())
                .containsEntry("owner", "operator");
        assertThat(warnings).isEmpty();
    }

    @Test
    void theMemoryTierIsReportedAndOutlivesTheJobStart() throws IOException {
        ConfigMapProgress progress = reporter("sunset-abc", 0);

        // The renderer plans its memory while the render opens, before the job-start event.
        progress.on(new ProgressEvent.MemoryPlanned(MemoryTier.Streamed, "Memory tier Streamed: 31 of 60 blocks resident"));
        assertThat(stored().memoryTier).isEqualTo(MemoryTier.Streamed);
        assertThat(stored().message).contains("31 of 60 blocks resident");
        progress.on(new ProgressEvent.JobStarted("videos/sunset/u1", 2, 3, null, "/checkpoints", "/output"));
        progress.on(new ProgressEvent.Step(0, 1, 3));
        assertThat(stored().memoryTier).isEqualTo(MemoryTier.Streamed);
    }

    @Test
    void aResumedAttemptKeepsTheSectionsOfEarlierAttempts() throws IOException {
        ConfigMapProgress first = reporter("sunset-a", 0);
        first.on(new ProgressEvent.JobStarted("videos/sunset/u1", 3, 3, null, "/c", "/o"));
        first.on(new ProgressEvent.SectionDone(0, 1, 3, 33, 1.0));
        first.on(new ProgressEvent.SectionDone(1, 2, 3, 69, 1.0));
        first.on(new ProgressEvent.Terminated("SIGTERM", 75));
        assertThat(stored().state).isEqualTo(WorkerProgress.State.Terminated);
        assertThat(client.configMaps().inNamespace("videos").withName("sunset-progress").get().getMetadata().getLabels())
                .containsEntry(WorkerContract.PROGRESS_LABEL, "true");

        // The second attempt resumes after section 1 (its checkpoint), section 1's record is redone.
        ConfigMapProgress second = reporter("sunset-b", 1);
        second.on(new ProgressEvent.JobStarted("videos/sunset/u1", 3, 3, 1, "/c", "/o"));
        WorkerProgress stored = stored();
        assertThat(stored.podName).isEqualTo("sunset-b");
        assertThat(stored.attempt).isEqualTo(1);
        assertThat(stored.resumedFromSection).isEqualTo(1);
        assertThat(stored.sectionsCompleted).isEqualTo(1);
        assertThat(stored.sections).extracting(s -> s.index).containsExactly(0);
        assertThat(stored.sections.get(0).attempt).isZero();
    }

    /** The operator trusts no report without the render's identity, so a failure before the job file is read carries it too. */
    @Test
    void aFailureBeforeTheJobStartedStillNamesTheJob() throws IOException {
        ConfigMapProgress progress = reporter("sunset-a", 0);
        progress.on(new ProgressEvent.Failed("InvalidInput", "job file /etc/framepack/job.json does not exist", 65));
        assertThat(stored().jobId).isEqualTo("videos/sunset/u1");
        assertThat(stored().state).isEqualTo(WorkerProgress.State.Failed);
    }

    @Test
    void anUnreachableApiServerCostsAWarningNotTheRender() {
        ConfigMapProgress progress = reporter("sunset-a", 0);
        server.destroy();
        progress.on(new ProgressEvent.JobStarted("videos/sunset/u1", 1, 1, null, "/c", "/o"));
        assertThat(warnings).singleElement().asString().startsWith("cannot update progress ConfigMap sunset-progress");
        assertThat(progress.progress().sectionsTotal).isEqualTo(1);
    }
}
