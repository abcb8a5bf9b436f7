package io.framepack.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.ImageSource;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.worker.MemoryTier;
import io.framepack.api.worker.WorkerProgress;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure decision function: replays, stale inputs and the actions it asks for. */
class StatusLogicTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final StorageLocation OUTPUT = new StorageLocation();

    static {
        OUTPUT.pvc = new PvcLocation();
        OUTPUT.pvc.claimName = "videos";
        OUTPUT.pvc.path = "team-a";
    }

    @Test
    void aNewRenderAsksForItsWorker() {
        Decision decision = decide(render(), observe(null, List.of(), null));
        assertThat(decision.actions()).containsExactly(new Decision.CreateWorker());
        assertThat(decision.status().phase).isEqualTo(Phase.Pending);
        assertThat(decision.notices()).extracting(Decision.Notice::reason).containsExactly("Pending");
    }

    @Test
    void aFinishedRenderWhoseJobExpiredIsNotStartedAgain() {
        VideoGeneration vg = render();
        vg.setStatus(new VideoGenerationStatus());
        vg.getStatus().phase = Phase.Succeeded;
        Decision decision = decide(vg, observe(null, List.of(), null));
        assertThat(decision.actions()).isEmpty();
        assertThat(decision.status().phase).isEqualTo(Phase.Succeeded);
        assertThat(decision.notices()).isEmpty();
    }

    @Test
    void aCorrectedSpecStartsAfterAnInvalidOne() {
        VideoGeneration vg = render();
        Decision invalid = decide(vg, new Observation(List.of("spec.render.steps: must be between 1 and 100 (got 0)"),
                null, "nvidia.com/gpu", null, null, List.of(), null, List.of(), null, null, RerollStart.NONE));
        assertThat(invalid.actions()).isEmpty();
        assertThat(invalid.status().phase).isEqualTo(Phase.Failed);
        vg.setStatus(invalid.status());
        Decision corrected = decide(vg, observe(null, List.of(), null));
        assertThat(corrected.actions()).containsExactly(new Decision.CreateWorker());
        assertThat(corrected.status().phase).isEqualTo(Phase.Pending);
        assertThat(corrected.status().completionTime).isNull();
    }

    @Test
    void replayingTheSameObservationCountsAPreemptionOnce() {
        VideoGeneration vg = render();
        Job job = job(false);
        Pod preempted = new PodBuilder(pod("r-1", "Failed")).editStatus()
                .addNewCondition().withType("DisruptionTarget").withStatus("True").withReason("EvictionByEvictionAPI").endCondition()
                .endStatus().build();
        Observation observation = observe(job, List.of(preempted), null);
        Decision first = decide(vg, observation);
        assertThat(first.newAttempts()).hasSize(1);
        vg.setStatus(first.status());
        Decision replay = decide(vg, observation);
        assertThat(replay.newAttempts()).isEmpty();
        assertThat(replay.notices()).isEmpty();
        assertThat(replay.status().attempts.preemptions).isEqualTo(1);
        assertThat(replay.status().conditions).usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(first.status().conditions);
    }

    @Test
    void moreEndedPodsThanTheHistoryHoldsAreCountedOnceAndToldOnce() {
        VideoGeneration vg = render();
        int ended = PodHistory.LIMIT + 5;
        List<Pod> pods = IntStream.range(0, ended).mapToObj(i -> new PodBuilder(pod(String.format("r-%03d", i), "Failed"))
                .editMetadata().withCreationTimestamp(Instant.parse("2026-03-01T12:00:00Z").plusSeconds(60L * i).toString())
                .endMetadata()
                .editStatus().addNewCondition().withType("DisruptionTarget").withStatus("True").withReason("PreemptionByScheduler")
                .endCondition().endStatus().build()).toList();
        Observation observation = observe(job(false), pods, null);
        Decision first = decide(vg, observation);
        assertThat(first.newAttempts()).hasSize(ended);
        assertThat(first.status().attempts.history).hasSize(PodHistory.LIMIT);
        vg.setStatus(first.status());
        Decision replay = decide(vg, observation);
        assertThat(replay.newAttempts()).isEmpty();
        assertThat(replay.notices()).isEmpty();
        assertThat(replay.status().attempts.preemptions).isEqualTo(ended);
    }

    @Test
    void aReplacementPodCreatedInTheSameSecondAsTheRecordedOneIsStillCounted() {
        String second = "2026-03-01T12:00:00Z";
        Pod first = new PodBuilder(pod("r-zz", "Failed")).editMetadata().withCreationTimestamp(second).endMetadata().build();
        VideoGeneration vg = render();
        Decision once = decide(vg, observe(job(false), List.of(first), null));
        assertThat(once.status().attempts.failures).isEqualTo(1);
        vg.setStatus(once.status());
        // Its replacement sorts before it by name, and creation times have whole seconds only.
        Pod replacement = new PodBuilder(pod("r-aa", "Failed")).editMetadata().withCreationTimestamp(second).endMetadata().build();
        Decision twice = decide(vg, observe(job(false), List.of(replacement, first), null));
        assertThat(twice.status().attempts.failures).isEqualTo(2);
        assertThat(twice.newAttempts()).extracting(r -> r.podName).containsExactly("r-aa");
    }

    @Test
    void progressOfAnEarlierResourceWithTheSameNameIsIgnored() {
        WorkerProgress stale = new WorkerProgress();
        stale.jobId = "ns/r/an-older-uid";
        stale.sectionsTotal = 8;
        stale.sectionsCompleted = 5;
        Decision decision = decide(render(), observe(job(false), List.of(pod("r-1", "Running")), stale));
        assertThat(decision.status().sectionsCompleted).isNull();
        assertThat(decision.status().progress).isNull();
    }

    @Test
    void aReportWithoutTheJobsIdentityOrFromAnotherPodIsIgnored() {
        WorkerProgress anonymous = ownReport(5);
        anonymous.jobId = null;
        WorkerProgress otherPod = ownReport(5);
        otherPod.podName = "someone-else";
        for (WorkerProgress report : List.of(anonymous, otherPod)) {
            Decision decision = decide(render(), observe(job(false), List.of(pod("r-1", "Running")), report));
            assertThat(decision.status().sectionsCompleted).isNull();
        }
        assertThat(decide(render(), observe(job(false), List.of(pod("r-1", "Running")), ownReport(5))).status().progress)
                .isEqualTo("5/8");
    }

    @Test
    void theOutputLocationComesFromTheSpecAndTheWorkerOnlyNamesTheFile() {
        WorkerProgress report = ownReport(8);
        report.output = new WorkerProgress.Output();
        report.output.file = "r-2.mp4";
        report.output.location = "s3://attacker/phish.mp4";
        Decision decision = decide(render(), observe(job(false), List.of(pod("r-1", "Running")), report));
        assertThat(decision.status().output.location).as("the worker's own location is not read")
                .isEqualTo("pvc://videos/team-a/r-2.mp4");
        for (String forged : List.of("../../etc/passwd.mp4", "x.html", "sub/r.mp4", "https://example.com/r.mp4", ".mp4")) {
            report.output.file = forged;
            assertThat(decide(render(), observe(job(false), List.of(pod("r-1", "Running")), report)).status().output)
                    .as(forged).isNull();
        }
    }

    @Test
    void objectsOfAnEarlierResourceOfTheSameNameAreWaitedOutNotAdopted() {
        Observation leftovers = new Observation(List.of(), "0123456789abcdef01234567", "nvidia.com/gpu", OUTPUT, null,
                List.of(), null, List.of("Job r", "ConfigMap r-job"), null, null, RerollStart.NONE);
        Decision decision = decide(render(), leftovers);
        assertThat(decision.actions()).isEmpty();
        assertThat(decision.status().phase).isEqualTo(Phase.Pending);
        assertThat(decision.status().message).startsWith("Waiting for Job r, ConfigMap r-job to be deleted");
        assertThat(Conditions.find(decision.status().conditions, Conditions.RECONCILING).orElseThrow().getReason())
                .isEqualTo(Reasons.WAITING_FOR_OLD_OBJECTS);
        assertThat(decision.recheckAfter()).isNotNull();
    }

    @Test
    void theMemoryTierTheWorkerChoseIsMirroredAndKeptAfterItsPodIsGone() {
        WorkerProgress progress = ownReport(0);
        progress.memoryTier = MemoryTier.Streamed;
        Decision running = decide(render(), observe(job(false), List.of(pod("r-1", "Running")), progress));
        assertThat(running.status().memoryTier).isEqualTo(MemoryTier.Streamed);

        VideoGeneration observed = render();
        observed.setStatus(running.status());
        WorkerProgress before = new WorkerProgress();
        before.jobId = "ns/r/uid-1";
        before.sectionsTotal = 8;
        Decision later = decide(observed, observe(job(false), List.of(), before));
        assertThat(later.status().memoryTier).isEqualTo(MemoryTier.Streamed);
    }

    @Test
    void aHugeWorkerMessageStaysSmallInTheStatus() {
        Job failed = new JobBuilder(job(false)).withNewStatus().addNewCondition().withType("Failed").withStatus("True")
                .withReason("PodFailurePolicy").withMessage("exit code 65").endCondition().endStatus().build();
        Pod rejected = new PodBuilder(pod("r-1", "Failed")).editStatus().addNewContainerStatus().withName(Names.WORKER_CONTAINER)
                .withNewState().withNewTerminated().withExitCode(65).withMessage("y".repeat(400_000)).endTerminated().endState()
                .endContainerStatus().endStatus().build();
        WorkerProgress report = ownReport(2);
        report.state = WorkerProgress.State.Failed;
        report.message = "x".repeat(400_000);
        Decision decision = decide(render(), observe(failed, List.of(rejected), report));
        assertThat(decision.status().phase).isEqualTo(Phase.Failed);
        assertThat(new KubernetesSerialization().asJson(decision.status()).length()).isLessThan(16 * 1024);
        assertThat(decision.notices()).allSatisfy(n -> assertThat(n.message().length()).isLessThanOrEqualTo(Bounded.MESSAGE));
    }

    @Test
    void aReportOfTwentyThousandSectionsIsBoundedInTheStatusAndInEvents() {
        WorkerProgress report = ownReport(0);
        report.sectionsTotal = 20_000;
        report.sectionsCompleted = 20_000;
        for (int i = 0; i < 20_000; i++) {
            VideoGenerationStatus.SectionStatus section = new VideoGenerationStatus.SectionStatus();
            section.index = i;
            section.finishedAt = "2026-03-01T12:00:00Z";
            report.sections.add(section);
        }
        Decision decision = decide(render(), observe(job(false), List.of(pod("r-1", "Running")), report));
        assertThat(decision.status().sectionsTotal).isNull();
        assertThat(decision.status().sections).hasSizeLessThanOrEqualTo(Bounded.SECTIONS);
        assertThat(decision.notices()).hasSizeLessThanOrEqualTo(ProgressMirror.SECTION_EVENTS + 2);
    }

    @Test
    void numbersTheCrdWouldRefuseAreNotMirrored() {
        WorkerProgress report = ownReport(8);
        report.currentStep = -1;
        report.stepsPerSection = -25;
        report.output = new WorkerProgress.Output();
        report.output.file = "r.mp4";
        report.output.sizeBytes = -1L;
        report.output.frames = -5;
        VideoGenerationStatus.SectionStatus negative = new VideoGenerationStatus.SectionStatus();
        negative.index = -3;
        report.sections.add(negative);
        VideoGenerationStatus status = decide(render(), observe(job(false), List.of(pod("r-1", "Running")), report)).status();
        assertThat(status.currentStep).isNull();
        assertThat(status.stepsPerSection).isNull();
        assertThat(status.output.sizeBytes).isNull();
        assertThat(status.output.frames).isNull();
        assertThat(status.sections).isEmpty();
    }

    @Test
    void suspendAsksTheJobToSuspendAndKueueIsLeftToResume() {
        VideoGeneration suspended = render();
        suspended.getSpec().suspend = true;
        Decision decision = decide(suspended, observe(job(false), List.of(pod("r-1", "Running")), null));
        assertThat(decision.actions()).containsExactly(new Decision.SetJobSuspended(true));
        assertThat(decision.status().phase).isEqualTo(Phase.Suspended);

        VideoGeneration queued = render();
        queued.getSpec().queueName = "gpu";
        Decision waiting = decide(queued, observe(job(true), List.of(), null));
        assertThat(waiting.actions()).isEmpty();
        assertThat(waiting.status().phase).isEqualTo(Phase.Queued);
    }

    private static Decision decide(VideoGeneration vg, Observation observation) {
        return StatusLogic.decide(vg, observation, NOW);
    }

    private static Observation observe(Job job, List<Pod> pods, WorkerProgress progress) {
        return new Observation(List.of(), "0123456789abcdef01234567", "nvidia.com/gpu", OUTPUT, job, pods, progress, List.of(),
                null, null, RerollStart.NONE);
    }

    /** What this render's worker on pod r-1 reports after {@code completed} of 8 sections. */
    private static WorkerProgress ownReport(int completed) {
        WorkerProgress report = new WorkerProgress();
        report.jobId = "ns/r/uid-1";
        report.podName = "r-1";
        report.sectionsTotal = 8;
        report.sectionsCompleted = completed;
        return report;
    }

    static VideoGeneration render() {
        VideoGeneration vg = new VideoGeneration();
        vg.setMetadata(new ObjectMetaBuilder().withName("r").withNamespace("ns").withUid("uid-1").withGeneration(1L).build());
        vg.setSpec(new VideoGenerationSpec());
        vg.getSpec().input = new InputSpec();
        vg.getSpec().input.prompt = "waves";
        vg.getSpec().input.image = new ImageSource();
        vg.getSpec().input.image.url = "https://example.com/sea.png";
        return vg;
    }

    private static Job job(boolean suspended) {
        return new JobBuilder().withNewMetadata().withName("r").withUid("job-uid").endMetadata()
                .withNewSpec().withSuspend(suspended).withBackoffLimit(3).endSpec().build();
    }

    private static Pod pod(String name, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName("node-1").endSpec()
                .withNewStatus().withPhase(phase).endStatus().build();
    }
}
