package io.framepack.api.worker;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** One recipe for the spec hash: the operator's (a job) and a local render's (an image's bytes). */
class SpecHashTest {
    private static final byte[] IMAGE = "not really a PNG".getBytes(StandardCharsets.UTF_8);

    private static WorkerJob job() {
        WorkerJob job = new WorkerJob();
        job.jobId = "videos/cat/uid-1";
        job.prompt = "a cat";
        job.negativePrompt = "";
        job.render.steps = 30;
        return job;
    }

    @Test
    void theRecipeIsUnchangedSoEarlierCheckpointsStillResume() {
        WorkerJob job = job();
        job.image.url = "https://images.example.com/cat.png";

        assertThat(SpecHash.of(job)).isEqualTo("b5923f4c91da7c12ad8b8ea5");
    }

    @Test
    void aLocalRenderHashesItsImageByContentAsAnInlineJobOfThatImage() {
        WorkerJob inline = job();
        inline.image.inline = Base64.getEncoder().encodeToString(IMAGE);

        assertThat(SpecHash.ofLocal(inline.prompt, inline.negativePrompt, IMAGE, inline.render)).isEqualTo(SpecHash.of(inline));
    }

    @Test
    void whatDoesNotDefineThePixelsIsNotPartOfIt() {
        WorkerJob job = job();
        job.image.url = "https://images.example.com/cat.png";
        WorkerJob elsewhere = job();
        elsewhere.image.url = job.image.url;
        elsewhere.jobId = "other/dog/uid-2";
        elsewhere.checkpointEvery = 5;
        elsewhere.modelDir = "/elsewhere";
        elsewhere.gpuMemoryBytes = 1L << 30;

        assertThat(SpecHash.of(elsewhere)).isEqualTo(SpecHash.of(job));
    }
}
