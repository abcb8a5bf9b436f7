package io.framepack.worker.runtime.input;

import io.framepack.worker.image.RgbImage;
import io.framepack.worker.runtime.InvalidInputException;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The input video's frames from real MP4 files made at test time, and a clear refusal of every bad one. */
class Mp4FramesTest {
    private static final Mp4Frames.Limits LIMITS = Mp4Frames.Limits.DEFAULT;

    @TempDir
    Path dir;

    @Test
    void everyFrameDecodesInOrderAtItsSize() throws IOException {
        List<RgbImage> frames = Mp4Frames.decode(TestVideos.h264(dir, 48, 32, 10), LIMITS, UnaryOperator.identity());
        assertThat(frames).hasSize(10);
        for (int f = 0; f < frames.size(); f++) {
            assertThat(frames.get(f).width()).isEqualTo(48);
            assertThat(frames.get(f).height()).isEqualTo(32);
            // Close to what was encoded (CRF 10, 4:2:0), and closer to its own frame than to the next.
            byte[] encoded = TestVideos.frame(48, 32, f);
            assertThat(meanAbsoluteError(frames.get(f).pixels(), encoded)).as("frame %d", f).isLessThan(4.0)
                    .isLessThan(meanAbsoluteError(frames.get(f).pixels(), TestVideos.frame(48, 32, f + 1)));
        }
    }

    @Test
    void framesGoThroughTheResizeAsTheyAreDecoded() throws IOException {
        List<RgbImage> frames = Mp4Frames.decode(TestVideos.h264(dir, 48, 32, 4), LIMITS, frame -> frame.crop(0, 0, 16, 16));
        assertThat(frames).extracting(RgbImage::width).containsOnly(16);
    }

    @Test
    void aVideoOfOddHeightInAnotherPixelFormatDecodes() throws IOException {
        List<RgbImage> frames = Mp4Frames.decode(TestVideos.h264(dir, 34, 17, 3, avutil.AV_PIX_FMT_YUV444P, null),
                LIMITS, UnaryOperator.identity());
        assertThat(frames).hasSize(3);
        assertThat(frames.get(0).width()).isEqualTo(34);
        assertThat(frames.get(0).height()).isEqualTo(17);
    }

    @Test
    void sameBytesGiveTheSamePixels() throws IOException {
        byte[] mp4 = TestVideos.h264(dir, 48, 32, 5);
        List<RgbImage> first = Mp4Frames.decode(mp4, LIMITS, UnaryOperator.identity());
        List<RgbImage> second = Mp4Frames.decode(mp4, LIMITS, UnaryOperator.identity());
        for (int f = 0; f < first.size(); f++) {
            assertThat(second.get(f).pixels()).isEqualTo(first.get(f).pixels());
        }
    }

    @Test
    void notAVideoIsRefused() {
        assertRefused("a prompt, not a video".getBytes(StandardCharsets.UTF_8), LIMITS, "is not an MP4");
        assertRefused(new byte[0], LIMITS, "is not an MP4");
    }

    @Test
    void anMp4WithoutAVideoTrackIsRefused() throws IOException {
        assertRefused(TestVideos.audioOnly(dir), LIMITS, "has no video track");
    }

    @Test
    void anMp4WithoutFramesIsRefused() throws IOException {
        // A fragmented MP4 keeps its (empty) track; a plain one without frames has none.
        assertRefused(TestVideos.h264(dir, 48, 32, 0, avutil.AV_PIX_FMT_YUV420P, "frag_keyframe+empty_moov"), LIMITS,
                "has no frames");
        assertRefused(TestVideos.h264(dir, 48, 32, 0), LIMITS, "has no video track");
    }

    @Test
    void aFragmentedMp4DecodesFrameByFrame() throws IOException {
        byte[] fragmented = TestVideos.h264(dir, 48, 32, 6, avutil.AV_PIX_FMT_YUV420P, "frag_keyframe+empty_moov");
        assertThat(Mp4Frames.decode(fragmented, LIMITS, UnaryOperator.identity())).hasSize(6);
        assertRefused(fragmented, new Mp4Frames.Limits(1 << 20, 5, 4096, 1 << 20), "has more than the 5 frames allowed");
    }

    @Test
    void aHeaderClaimingHugeFramesIsRefusedBeforeAnythingIsDecoded() throws IOException {
        byte[] lying = TestVideos.withClaimedSize(TestVideos.h264(dir, 48, 32, 4), 65535, 65535);
        assertRefused(lying, LIMITS, "has frames of 65535x65535, more than the 4096 pixels a side");
        assertRefused(TestVideos.h264(dir, 48, 32, 4), new Mp4Frames.Limits(1 << 20, 100, 4096, 1000),
                "has frames of 48x32");
    }

    @Test
    void framesSmallerThanAPatchAreRefused() throws IOException {
        assertRefused(TestVideos.h264(dir, 8, 8, 2), LIMITS, "has frames of 8x8, smaller than 16x16");
    }

    @Test
    void streamFramesLargerThanTheLimitAreRefusedByTheDecoder() throws IOException {
        // The header says 48x32 (within the limit), the stream's own parameters 480x320: the decoder's bound holds.
        byte[] lying = TestVideos.withClaimedSize(TestVideos.h264(dir, 480, 320, 2), 48, 32);
        assertRefused(lying, new Mp4Frames.Limits(1 << 24, 100, 4096, 48 * 32), "0 of its 2 frames decode");
    }

    @Test
    void tooManyFramesOrBytesAreRefused() throws IOException {
        byte[] mp4 = TestVideos.h264(dir, 48, 32, 10);
        assertRefused(mp4, new Mp4Frames.Limits(1 << 20, 5, 4096, 1 << 20), "has 10 frames, more than the 5 allowed");
        assertRefused(mp4, new Mp4Frames.Limits(100, 100, 4096, 1 << 20), "more than the 100 allowed");
    }

    @Test
    void aTruncatedFileIsRefused() throws IOException {
        byte[] indexLast = TestVideos.h264(dir, 48, 32, 10);
        assertRefused(Arrays.copyOf(indexLast, indexLast.length / 2), LIMITS, "is not an MP4 FFmpeg can read");
        byte[] indexFirst = TestVideos.h264(dir, 48, 32, 10, avutil.AV_PIX_FMT_YUV420P, "faststart");
        assertRefused(Arrays.copyOf(indexFirst, indexFirst.length * 2 / 3), LIMITS, "is cut short or damaged");
    }

    private static void assertRefused(byte[] mp4, Mp4Frames.Limits limits, String message) {
        assertThatThrownBy(() -> Mp4Frames.decode(mp4, limits, UnaryOperator.identity()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("the input video ")
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidInputException) e).reason()).isEqualTo(InvalidInputException.INPUT));
    }

    private static double meanAbsoluteError(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
        }
        return (double) sum / a.length;
    }
}
