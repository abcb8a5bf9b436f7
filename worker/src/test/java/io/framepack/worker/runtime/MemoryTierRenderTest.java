package io.framepack.worker.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.MemoryTier;
import io.framepack.worker.image.RgbImage;
import io.framepack.worker.pipeline.RgbVideos;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.progress.ProgressEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real renderer on the bundled demo model, once with no GPU memory limit and once with a budget
 * that streams half of the transformer's blocks and runs the encoders apart: the same latents and
 * pixels, and each render reports its tier and records its VAE tiling in its checkpoint.
 */
class MemoryTierRenderTest {
    /** The demo transformer's weights, and what stays of them on the device under the small budget. */
    private static final long DEMO_TRANSFORMER_BYTES = 1_264_384;
    private static final long DEMO_TRANSFORMER_DEVICE_BYTES = DEMO_TRANSFORMER_BYTES - 200_000;

    private static final CheckpointIdentity JOB = new CheckpointIdentity("test/tiers/1", "spec", "model");

    @TempDir
    Path dir;

    @Test
    void aSmallBudgetStreamsBlocksWithBitIdenticalResults() throws IOException {
        List<ProgressEvent> unlimitedEvents = new ArrayList<>();
        List<ProgressEvent> budgetEvents = new ArrayList<>();
        try (RenderSession unlimited = new FramePackRenderer().open(tinyPlan(null), unlimitedEvents::add);
             RenderSession budgeted = new FramePackRenderer().open(tinyPlan(smallBudget()), budgetEvents::add)) {
            assertThat(plan(unlimitedEvents).tier()).isEqualTo(MemoryTier.Resident);
            ProgressEvent.MemoryPlanned streamed = plan(budgetEvents);
            assertThat(streamed.tier()).isEqualTo(MemoryTier.Streamed);
            assertThat(streamed.message()).contains("2 of 4 transformer blocks resident", "encoders ran on the CPU",
                    "VAE tiled");
            for (int i = 0; i < unlimited.sectionsTotal(); i++) {
                unlimited.runNextSection((section, step, steps) -> { });
                budgeted.runNextSection((section, step, steps) -> { });
            }
            Map<String, float[]> expected = floats(unlimited.snapshot(JOB, List.of()));
            Map<String, float[]> actual = floats(budgeted.snapshot(JOB, List.of()));
            assertThat(actual.keySet()).isEqualTo(expected.keySet());
            expected.forEach((name, values) -> assertThat(actual.get(name)).as(name).isEqualTo(values));
            assertThat(RgbVideos.all(budgeted.pixels())).isEqualTo(RgbVideos.all(unlimited.pixels()));
            assertThat(unlimited.snapshot(JOB, List.of()).settings()).containsEntry(FramePackSession.TILED_VAE, 0L);
            assertThat(budgeted.snapshot(JOB, List.of()).settings()).containsEntry(FramePackSession.TILED_VAE, 1L);
        }
    }

    @Test
    void aResumedRenderDecodesAsItsCheckpointWasDecoded() throws IOException {
        List<ProgressEvent> events = new ArrayList<>();
        try (RenderSession first = new FramePackRenderer().open(tinyPlan(smallBudget()), e -> { });
             RenderSession resumed = new FramePackRenderer().open(tinyPlan(null), events::add)) {
            first.runNextSection((section, step, steps) -> { });
            assertThat(resumed.snapshot(JOB, List.of()).settings()).containsEntry(FramePackSession.TILED_VAE, 0L);
            resumed.restore(first.snapshot(JOB, List.of()));
            assertThat(resumed.snapshot(JOB, List.of()).settings()).containsEntry(FramePackSession.TILED_VAE, 1L);
        }
        assertThat(events).filteredOn(ProgressEvent.Warning.class::isInstance).singleElement()
                .extracting(e -> ((ProgressEvent.Warning) e).message()).asString()
                .contains("decoded in spatial tiles");
    }

    /** Reserve, the tiled decode of the demo's frames, and most but not all of its transformer. */
    private static long smallBudget() {
        RgbImage image = FramePackRenderer.startImage(DemoModel.image(), DemoModel.RESOLUTION);
        return MemoryPlan.RESERVE_BYTES + MemoryPlan.decodeBytes(image.height(), image.width(), true)
                + DEMO_TRANSFORMER_DEVICE_BYTES;
    }

    private RenderPlan tinyPlan(Long gpuMemoryBytes) {
        RenderSettings settings = new RenderSettings();
        settings.seconds = 2.4;
        settings.steps = 2;
        settings.resolution = DemoModel.RESOLUTION;
        return TinyPlans.of("tiers", settings, DemoModel.directory(dir), gpuMemoryBytes);
    }

    private static ProgressEvent.MemoryPlanned plan(List<ProgressEvent> events) {
        return events.stream().filter(ProgressEvent.MemoryPlanned.class::isInstance)
                .map(ProgressEvent.MemoryPlanned.class::cast).findFirst().orElseThrow();
    }

    private static Map<String, float[]> floats(Checkpoint snapshot) {
        Map<String, float[]> values = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            snapshot.tensors().forEach((name, tensor) ->
                    values.put(name, tensor.toArray(manager).toType(DataType.FLOAT32, false).toFloatArray()));
        }
        return values;
    }
}
