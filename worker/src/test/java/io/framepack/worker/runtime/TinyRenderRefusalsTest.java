package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.model.Component;
import io.framepack.worker.model.ModelDirectory;
import io.framepack.worker.runtime.checkpoint.CheckpointFixtures;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.tensor.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real renderer on the bundled tiny model (3 sections) given what must not render: a
 * transformer with a NaN weight (no black video, no NaN checkpoint), a checkpoint whose
 * section count was forged and sealed again (no shorter video).
 */
class TinyRenderRefusalsTest {
    @TempDir
    Path dir;
    final List<ProgressEvent> events = new ArrayList<>();
    /** Sees every event after it is recorded. */
    Consumer<ProgressEvent> onEvent = event -> { };

    ExitCode render(Path models, Termination termination) {
        RenderSettings settings = new RenderSettings();
        settings.seconds = 3.6;
        settings.steps = 3;
        settings.resolution = DemoModel.RESOLUTION;
        RenderPlan plan = TinyPlans.of("tiny", settings, models, null);
        return new JobRunner(plan, new FramePackRenderer(),
                new CheckpointStore(new DirectoryStore(dir.resolve("ckpt")), 2),
                new VideoPublisher(new DirectoryStore(dir.resolve("out")), plan.identity().jobId()), event -> {
                    events.add(event);
                    onEvent.accept(event);
                }, termination, dir.resolve("scratch")).run();
    }

    @Test
    void aTransformerWithNanWeightsFailsAsAnInvalidModelAndSavesNothing() throws IOException {
        Path models = DemoModel.directory(dir.resolve("cache"));
        poison(ModelDirectory.at(models).path(Component.TRANSFORMER).resolve("model.safetensors"), "proj_out.weight");

        ExitCode code = render(models, Termination.manual());

        assertThat(code).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo(InvalidInputException.MODEL);
            assertThat(failed.message()).isEqualTo("section 0 computed non-finite latents (NaN or infinity): "
                    + "the model's weights or the settings give no usable numbers");
        });
        assertThat(events).noneMatch(e -> e instanceof ProgressEvent.CheckpointSaved || e instanceof ProgressEvent.SectionDone);
        assertThat(files(dir.resolve("ckpt"))).isEmpty();
        assertThat(files(dir.resolve("out"))).isEmpty();
    }

    /**
     * The checkpoint after section 1 claims two sections (its manifest and its name, consistently)
     * and its manifest hash is computed again, as a deliberate edit would: the latents it holds are
     * one section's, so the resume is refused rather than skipping a section to a shorter video.
     */
    @Test
    void aResealedCheckpointClaimingMoreSectionsThanItsLatentsHoldIsRefused() throws IOException {
        Path models = DemoModel.directory(dir.resolve("cache"));
        Termination stopAfterFirstSection = Termination.manual();
        onEvent = event -> {
            if (event instanceof ProgressEvent.SectionDone) {
                stopAfterFirstSection.request("SIGTERM");
            }
        };
        assertThat(render(models, stopAfterFirstSection)).isEqualTo(ExitCode.TERMINATED);
        Path manifest = CheckpointFixtures.manifestOf(dir.resolve("ckpt"), 1);
        CheckpointFixtures.editAndReseal(manifest, json -> json.put("sectionsCompleted", 2));
        Path group = manifest.getParent();
        Files.move(group, group.resolveSibling(group.getFileName().toString().replace("ckpt-000001-", "ckpt-000002-")));

        events.clear();
        onEvent = event -> { };
        assertThat(render(models, Termination.manual())).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ProgressEvent.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo("CheckpointMismatch");
            assertThat(failed.message()).contains("does not fit this job").contains("2 completed sections of this job make");
        });
        assertThat(files(dir.resolve("out")).stream().map(Path::toString)).noneMatch(name -> name.endsWith(".mp4"));
    }

    /** Overwrites the float32 tensor {@code name} with NaN in place. */
    private static void poison(Path safetensors, String name) throws IOException {
        SafetensorsFile.Entry entry;
        try (SafetensorsFile file = SafetensorsFile.open(safetensors)) {
            entry = file.entry(name);
        }
        try (FileChannel channel = FileChannel.open(safetensors, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer headerSize = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(headerSize, 0);
            long dataStart = Long.BYTES + headerSize.flip().getLong();
            ByteBuffer nan = ByteBuffer.allocate((int) (entry.end() - entry.begin())).order(ByteOrder.LITTLE_ENDIAN);
            while (nan.hasRemaining()) {
                nan.putFloat(Float.NaN);
            }
            channel.write(nan.flip(), dataStart + entry.begin());
        }
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
