package io.framepack.api.worker;

import io.framepack.api.v1alpha1.TimedPromptSpec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;

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

        assertThat(SpecHash.ofLocal(inline.prompt, 0, inline.negativePrompt, IMAGE, inline.render)).isEqualTo(SpecHash.of(inline));
    }

    @Test
    void timedPromptsTheirStartsAndTheirBlendArePartOfIt() {
        WorkerJob plain = job();
        WorkerJob timed = job();
        timed.prompts = List.of(new TimedPromptSpec("0s", "a cat"), new TimedPromptSpec("2s", "a cat jumps"));
        WorkerJob later = job();
        later.prompts = List.of(new TimedPromptSpec("0s", "a cat"), new TimedPromptSpec("3s", "a cat jumps"));
        WorkerJob blended = job();
        blended.prompts = timed.prompts;
        blended.promptBlendSections = 2;
        WorkerJob noBlend = job();
        noBlend.promptBlendSections = 0;

        assertThat(Set.of(SpecHash.of(plain), SpecHash.of(timed), SpecHash.of(later), SpecHash.of(blended))).hasSize(4);
        assertThat(SpecHash.of(noBlend)).as("no blend is the absent blend").isEqualTo(SpecHash.of(plain));
        assertThat(SpecHash.ofLocal("[0s: a cat] [2s: a cat jumps]", 2, "", IMAGE, plain.render))
                .isNotEqualTo(SpecHash.ofLocal("[0s: a cat] [2s: a cat jumps]", 0, "", IMAGE, plain.render));
    }

    @Test
    void theEndImageAndItsStrengthArePartOfIt() {
        WorkerJob plain = job();
        WorkerJob ended = job();
        ended.endImage = new WorkerJob.ImageInput();
        ended.endImage.url = "https://images.example.com/cat-asleep.png";
        WorkerJob otherEnd = job();
        otherEnd.endImage = new WorkerJob.ImageInput();
        otherEnd.endImage.url = "https://images.example.com/cat-awake.png";
        WorkerJob weaker = job();
        weaker.endImage = ended.endImage;
        weaker.endImageStrength = 0.5;
        WorkerJob fullStrength = job();
        fullStrength.endImage = ended.endImage;
        fullStrength.endImageStrength = 1.0;

        assertThat(Set.of(SpecHash.of(plain), SpecHash.of(ended), SpecHash.of(otherEnd), SpecHash.of(weaker))).hasSize(4);
        assertThat(SpecHash.of(fullStrength)).as("strength 1 is the absent strength").isEqualTo(SpecHash.of(ended));
        byte[] end = "another image".getBytes(StandardCharsets.UTF_8);
        WorkerJob inline = job();
        inline.image.inline = Base64.getEncoder().encodeToString(IMAGE);
        inline.endImage = new WorkerJob.ImageInput();
        inline.endImage.inline = Base64.getEncoder().encodeToString(end);
        inline.endImageStrength = 0.5;
        assertThat(SpecHash.ofLocal("a cat", 0, "", IMAGE, end, 0.5, inline.render)).isEqualTo(SpecHash.of(inline));
        assertThat(SpecHash.ofLocal("a cat", 0, "", IMAGE, null, 0.5, inline.render))
                .as("no end image: its strength is not hashed").isEqualTo(SpecHash.ofLocal("a cat", 0, "", IMAGE, inline.render));
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

    @Test
    void theVideoItsSourceItsContentAndItsContextFramesArePartOfIt() {
        WorkerJob image = job();
        image.image.url = "https://images.example.com/cat.png";
        WorkerJob video = job();
        video.video = new WorkerJob.ImageInput();
        video.video.url = "https://videos.example.com/cat.mp4";
        WorkerJob otherVideo = job();
        otherVideo.video = new WorkerJob.ImageInput();
        otherVideo.video.url = "https://videos.example.com/dog.mp4";
        WorkerJob moreContext = job();
        moreContext.video = video.video;
        moreContext.videoContextFrames = 8;
        WorkerJob defaultContext = job();
        defaultContext.video = video.video;
        defaultContext.videoContextFrames = 5;

        assertThat(Set.of(SpecHash.of(image), SpecHash.of(video), SpecHash.of(otherVideo), SpecHash.of(moreContext)))
                .hasSize(4);
        assertThat(SpecHash.of(defaultContext)).as("5 is the absent context frames").isEqualTo(SpecHash.of(video));
        byte[] mp4 = "not really an MP4".getBytes(StandardCharsets.UTF_8);
        byte[] otherMp4 = "not really an MP4 either".getBytes(StandardCharsets.UTF_8);
        String spec = SpecHash.of(video);
        assertThat(SpecHash.withVideoContent(spec, mp4)).as("same bytes").isEqualTo(SpecHash.withVideoContent(spec, mp4))
                .isNotEqualTo(SpecHash.withVideoContent(spec, otherMp4)).isNotEqualTo(spec).hasSize(24);
        assertThat(Set.of(SpecHash.ofLocalVideo("a cat", 0, "", mp4, 5, video.render),
                SpecHash.ofLocalVideo("a cat", 0, "", otherMp4, 5, video.render),
                SpecHash.ofLocalVideo("a cat", 0, "", mp4, 2, video.render),
                SpecHash.ofLocal("a cat", 0, "", mp4, video.render))).hasSize(4);
    }
}
