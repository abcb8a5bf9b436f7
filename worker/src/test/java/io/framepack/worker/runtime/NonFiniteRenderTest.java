package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.model.Component;
import io.framepack.worker.model.ModelDirectory;
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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The real engine on the bundled tiny model whose transformer has a NaN weight: no black video, no NaN checkpoint. */
class NonFiniteRenderTest {
    @TempDir
    Path dir;

    @Test
    void aTransformerWithNanWeightsFailsAsAnInvalidModelAndSavesNothing() throws IOException {
        Path models = DemoModel.directory(dir.resolve("cache"));
        poison(ModelDirectory.at(models).path(Component.TRANSFORMER).resolve("model.safetensors"), "proj_out.weight");
        RenderSettings settings = new RenderSettings();
        settings.seconds = 3.6;
        settings.steps = 3;
        settings.resolution = DemoModel.RESOLUTION;
        RenderRequest request = new RenderRequest("test/nan/1", "spec", "model", "a cat walks", "", settings, "nan", 1,
                DemoModel.image(), models, "cpu", null);
        List<ProgressEvent> events = new ArrayList<>();

        ExitCode code = new JobRunner(request, FramePackRenders::open,
                new CheckpointStore(new DirectoryStore(dir.resolve("ckpt")), 2),
                new VideoPublisher(new DirectoryStore(dir.resolve("out")), request.jobId()), events::add,
                Termination.manual(), dir.resolve("scratch")).run();

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
