package io.framepack.operator;

import io.framepack.api.v1alpha1.RerollSource;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.worker.WorkerJob;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a re-roll starts, from its source as the cache shows it: ready, waiting, or refused and why. */
class RerollStartTest {
    static final OperatorConfig.Defaults DEFAULTS = TestConfig.withDefaults().defaults();
    static final WorkerObjects OBJECTS = new WorkerObjects(TestConfig.withDefaults());

    /** {@link StatusLogicTest#render()} under another name. */
    static VideoGeneration render(String name, String uid) {
        VideoGeneration vg = StatusLogicTest.render();
        vg.getMetadata().setName(name);
        vg.getMetadata().setUid(uid);
        return vg;
    }

    static VideoGeneration source(Phase phase, int checkpointed, int sections) {
        VideoGeneration source = render("a", "uid-a");
        source.setStatus(new VideoGenerationStatus());
        source.getStatus().phase = phase;
        source.getStatus().sectionsTotal = sections;
        if (checkpointed > 0) {
            source.getStatus().lastCheckpoint = new VideoGenerationStatus.CheckpointStatus();
            source.getStatus().lastCheckpoint.section = checkpointed;
        }
        return source;
    }

    static VideoGeneration reroll(int section) {
        VideoGeneration reroll = render("b", "uid-b");
        reroll.getSpec().input.prompt = "storm";
        reroll.getSpec().render.seed = 7L;
        reroll.getSpec().from = new RerollSource();
        reroll.getSpec().from.name = "a";
        reroll.getSpec().from.section = section;
        return reroll;
    }

    static RerollStart resolve(VideoGeneration reroll, VideoGeneration source) {
        Map<String, VideoGeneration> cache = source == null ? Map.of() : Map.of(source.getMetadata().getName(), source);
        return RerollStart.resolve(reroll, cache::get, DEFAULTS);
    }

    @Test
    void aSourceThatCheckpointedTheSectionGivesTheJobItsIdAndTheSection() {
        RerollStart start = resolve(reroll(2), source(Phase.Running, 3, 5));
        assertThat(start.problems()).isEmpty();
        assertThat(start.waiting()).isNull();
        assertThat(start.from().jobId).isEqualTo("ns/a/uid-a");
        assertThat(start.from().section).isEqualTo(2);

        WorkerJob job = OBJECTS.workerJob(reroll(2), start.from());
        assertThat(job.from.jobId).isEqualTo("ns/a/uid-a");
        assertThat(job.specHash).as("the source is part of what the re-roll renders")
                .isNotEqualTo(OBJECTS.workerJob(reroll(2)).specHash)
                .isNotEqualTo(OBJECTS.workerJob(reroll(1), resolve(reroll(1), source(Phase.Running, 3, 5)).from()).specHash);
    }

    @Test
    void aRunningSourceBeforeTheSectionIsWaitedFor() {
        RerollStart start = resolve(reroll(3), source(Phase.Running, 1, 5));
        assertThat(start.problems()).isEmpty();
        assertThat(start.from()).isNull();
        assertThat(start.waiting()).isEqualTo("Waiting for a to checkpoint section 3 (its last checkpoint: after section 1)");
        assertThat(resolve(reroll(1), source(Phase.Pending, 0, 5)).waiting()).contains("its last checkpoint: none");
    }

    @Test
    void aMissingOrEndedSourceOrOneWithTooFewSectionsIsRefused() {
        assertThat(resolve(reroll(1), null).problems())
                .containsExactly("spec.from: VideoGeneration a does not exist in namespace ns");
        assertThat(resolve(reroll(3), source(Phase.Failed, 2, 5)).problems())
                .containsExactly("spec.from: VideoGeneration a ended (Failed) with its last checkpoint after section 2, before section 3");
        assertThat(resolve(reroll(5), source(Phase.Succeeded, 5, 5)).problems())
                .containsExactly("spec.from.section 5: a has 5 sections, a re-roll must keep fewer");
        VideoGeneration itself = reroll(1);
        itself.getSpec().from.name = "b";
        assertThat(resolve(itself, null).problems()).containsExactly("spec.from names this VideoGeneration itself");
    }

    @Test
    void aSourceOfAnotherResolutionWindowVariantLengthImageOrStorageIsRefusedNamingTheField() {
        VideoGeneration reroll = reroll(1);
        reroll.getSpec().render.resolution = 512;
        reroll.getSpec().render.latentWindowSize = 5;
        reroll.getSpec().render.variant = io.framepack.api.v1alpha1.RenderSettings.Variant.f1;
        reroll.getSpec().render.seconds = 9.0;
        reroll.getSpec().input.image.url = "https://example.com/other.png";
        reroll.getSpec().checkpoints = new io.framepack.api.v1alpha1.StorageLocation();
        reroll.getSpec().checkpoints.pvc = new io.framepack.api.v1alpha1.PvcLocation();
        reroll.getSpec().checkpoints.pvc.claimName = "elsewhere";

        assertThat(resolve(reroll, source(Phase.Succeeded, 5, 5)).problems()).extracting(p -> p.substring(0, p.indexOf(' ')))
                .containsExactly("spec.render.resolution", "spec.render.latentWindowSize", "spec.render.variant",
                        "spec.render.seconds", "spec.input.image", "spec.checkpoints");
    }

    @Test
    void aWaitingRerollIsPendingWithoutAWorkerAndOneReadyCreatesItWithItsStart() {
        VideoGeneration reroll = reroll(2);
        RerollStart waiting = resolve(reroll, source(Phase.Running, 1, 5));
        Decision waits = StatusLogic.decide(reroll, observation(waiting), java.time.Instant.parse("2026-03-01T12:00:00Z"));
        assertThat(waits.actions()).isEmpty();
        assertThat(waits.status().phase).isEqualTo(Phase.Pending);
        assertThat(waits.status().message).isEqualTo(waiting.waiting());
        assertThat(Conditions.find(waits.status().conditions, Conditions.SCHEDULED).orElseThrow().getReason())
                .isEqualTo(Reasons.WAITING_FOR_SOURCE);

        RerollStart ready = resolve(reroll, source(Phase.Running, 2, 5));
        Decision creates = StatusLogic.decide(reroll, observation(ready), java.time.Instant.parse("2026-03-01T12:00:10Z"));
        assertThat(creates.actions()).containsExactly(new Decision.CreateWorker(ready.from()));
    }

    static Observation observation(RerollStart reroll) {
        return new Observation(reroll.problems(), "0123456789abcdef01234567", "nvidia.com/gpu", null, null,
                java.util.List.of(), null, java.util.List.of(), null, null, reroll);
    }
}
