package io.framepack.worker.runtime.output;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.GoldenCases;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class Mp4WriterTest {
    static NDManager manager;
    static NDArray pixels;
    static byte[] officialFrames;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadGoldenVideo() {
        manager = NDManager.newBaseManager();
        GoldenCases goldens = GoldenCases.load();
        pixels = goldens.tensor("job_inverted", "final_pixels", manager);
        officialFrames = goldens.tensor("job_inverted", "final_frames_uint8", manager).toByteArray();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void framesEqualTheOfficialUint8ConversionBitForBit() {
        int frames = PixelFrames.frameCount(pixels);
        int plane = 64 * 64;
        for (int f = 0; f < frames; f++) {
            byte[] rgb = PixelFrames.frame(pixels, f);
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < plane; i++) {
                    // official layout [1,3,F,H,W]
                    byte expected = officialFrames[(c * frames + f) * plane + i];
                    if (rgb[i * 3 + c] != expected) {
                        throw new AssertionError("frame " + f + " channel " + c + " pixel " + i + ": "
                                + (rgb[i * 3 + c] & 0xFF) + " != " + (expected & 0xFF));
                    }
                }
            }
        }
    }

    @Test
    void conversionClampsAndTruncates() {
        assertThat(PixelFrames.toUint8(-3f) & 0xFF).isEqualTo(0);
        assertThat(PixelFrames.toUint8(2f) & 0xFF).isEqualTo(255);
        assertThat(PixelFrames.toUint8(0f) & 0xFF).isEqualTo(127);
        assertThat(PixelFrames.toUint8(0.999f) & 0xFF).isEqualTo(254);
    }

    @Test
    void writesAnH264Mp4ThatFfmpegDecodesFrameForFrame() throws IOException {
        Path file = dir.resolve("video.mp4");
        Mp4Writer.write(pixels, 16, file);

        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.start();
            assertThat(grabber.getFormat()).contains("mp4");
            assertThat(grabber.getVideoCodecName()).isEqualTo("h264");
            assertThat(grabber.getFormatContext().streams(grabber.getVideoStream()).codecpar().format())
                    .isEqualTo(avutil.AV_PIX_FMT_YUV420P);
            assertThat(grabber.getImageWidth()).isEqualTo(64);
            assertThat(grabber.getImageHeight()).isEqualTo(64);
            assertThat(grabber.getFrameRate()).isEqualTo(30.0);
            int decoded = 0;
            while (grabber.grabImage() != null) {
                decoded++;
            }
            assertThat(decoded).isEqualTo(109);
        }
    }

    @Test
    void sameFramesEncodeToTheSameBytes() throws IOException {
        Mp4Writer.write(pixels, 16, dir.resolve("a.mp4"));
        Mp4Writer.write(pixels, 16, dir.resolve("b.mp4"));
        SameBytes.assertSameFile(dir.resolve("a.mp4"), dir.resolve("b.mp4"));
    }

    /** A smooth video with a different ramp per channel: survives yuv420p, and shows a swapped channel order. */
    @Test
    void decodedFramesMatchTheWrittenOnesUpToCodecNoise() throws IOException {
        int frames = 12;
        float[] values = new float[3 * frames * 64 * 64];
        for (int f = 0; f < frames; f++) {
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    int at = f * 4096 + y * 64 + x;
                    values[at] = x / 32f - 1f;
                    values[frames * 4096 + at] = y / 32f - 1f;
                    values[2 * frames * 4096 + at] = f / 6f - 1f;
                }
            }
        }
        Path file = dir.resolve("ramps.mp4");
        try (NDManager local = manager.newSubManager()) {
            NDArray ramps = local.create(values, new Shape(1, 3, frames, 64, 64));
            Mp4Writer.write(ramps, 16, file);
            try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
                grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
                grabber.start();
                int decoded = 0;
                long absoluteError = 0;
                Frame frame;
                while ((frame = grabber.grabImage()) != null) {
                    byte[] expected = PixelFrames.frame(ramps, decoded);
                    ByteBuffer image = (ByteBuffer) frame.image[0];
                    for (int y = 0; y < 64; y++) {
                        for (int x = 0; x < 64 * 3; x++) {
                            absoluteError += Math.abs((image.get(y * frame.imageStride + x) & 0xFF) - (expected[y * 192 + x] & 0xFF));
                        }
                    }
                    decoded++;
                }
                assertThat(decoded).isEqualTo(frames);
                assertThat((double) absoluteError / (frames * 64 * 64 * 3)).isLessThan(2.0);
            }
        }
    }
}
