package io.framepack.worker.runtime.output;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.pipeline.PixelFrames;
import io.framepack.worker.runtime.storage.LimitedChannel;
import io.framepack.worker.runtime.storage.StorageException;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Mp4WriterTest {
    /** FFmpeg's cumulative x86 feature levels, from none to everything detected. */
    private static final int[] FFMPEG_X86_LEVELS = cumulative(0,
            avutil.AV_CPU_FLAG_MMX | avutil.AV_CPU_FLAG_MMXEXT | avutil.AV_CPU_FLAG_SSE | avutil.AV_CPU_FLAG_SSE2,
            avutil.AV_CPU_FLAG_SSE3 | avutil.AV_CPU_FLAG_SSSE3 | avutil.AV_CPU_FLAG_SSE4 | avutil.AV_CPU_FLAG_SSE42,
            avutil.AV_CPU_FLAG_AVX | avutil.AV_CPU_FLAG_AVX2 | avutil.AV_CPU_FLAG_FMA3 | avutil.AV_CPU_FLAG_BMI2,
            -1);

    private static int[] cumulative(int... steps) {
        int[] levels = new int[steps.length];
        for (int i = 0, level = 0; i < steps.length; i++) {
            level |= steps[i];
            levels[i] = level;
        }
        return levels;
    }

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
        int plane = PixelFrames.height(pixels) * PixelFrames.width(pixels);
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
        Mp4Writer.write(PixelFrames.of(pixels), 16, file);

        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.start();
            assertThat(grabber.getFormat()).contains("mp4");
            assertThat(grabber.getVideoCodecName()).isEqualTo("h264");
            assertThat(grabber.getFormatContext().streams(grabber.getVideoStream()).codecpar().format())
                    .isEqualTo(avutil.AV_PIX_FMT_YUV420P);
            assertThat(grabber.getImageWidth()).isEqualTo(PixelFrames.width(pixels));
            assertThat(grabber.getImageHeight()).isEqualTo(PixelFrames.height(pixels));
            assertThat(grabber.getFrameRate()).isEqualTo(30.0);
            int decoded = 0;
            while (grabber.grabImage() != null) {
                decoded++;
            }
            assertThat(decoded).isEqualTo(PixelFrames.frameCount(pixels));
        }
    }

    @Test
    void sameFramesEncodeToTheSameBytes() throws IOException {
        Mp4Writer.write(PixelFrames.of(pixels), 16, dir.resolve("a.mp4"));
        Mp4Writer.write(PixelFrames.of(pixels), 16, dir.resolve("b.mp4"));
        SameBytes.assertSameFile(dir.resolve("a.mp4"), dir.resolve("b.mp4"));
    }

    /**
     * x264 held to each instruction-set level up to the pinned one, and FFmpeg to each of its
     * feature levels, in this one process: the bytes never change, so a worker writes the same
     * file on every x86-64 CPU. (x264's SSSE3 and later code gives other bytes; it is not used.)
     */
    @Test
    void theBytesDoNotDependOnTheCpuFeaturesInUse() throws IOException {
        try (NDManager local = manager.newSubManager()) {
            // Large enough for FFmpeg's and x264's wide SIMD paths, with texture and motion.
            NDArray video = video(local, 6, 304, 320, (c, f, y, x) ->
                    (float) Math.sin(0.07 * x * (c + 1) + 0.05 * y + 0.4 * f) * 0.8f + ((x * 7 + y * 13 + f) % 5) * 0.04f);
            Path expected = dir.resolve("pinned.mp4");
            Mp4Writer.write(PixelFrames.of(video), 16, expected);
            for (String x264Level : List.of("0", "MMX2", "SSE", "SSE2")) {
                Path file = dir.resolve("x264-" + x264Level + ".mp4");
                Mp4Writer.write(PixelFrames.of(video), 16, file, x264Level);
                SameBytes.assertSameFile(expected, file);
            }
            int detected = avutil.av_get_cpu_flags();
            try {
                for (int ffmpegLevel : FFMPEG_X86_LEVELS) {
                    avutil.av_force_cpu_flags(detected & ffmpegLevel);
                    Path file = dir.resolve("ffmpeg-" + Integer.toHexString(ffmpegLevel) + ".mp4");
                    Mp4Writer.write(PixelFrames.of(video), 16, file);
                    SameBytes.assertSameFile(expected, file);
                }
            } finally {
                avutil.av_force_cpu_flags(-1);
            }
        }
    }

    /**
     * The encode in fresh JVMs whose allocator fills new memory with different bytes: equal files
     * prove no uninitialised memory reaches the bitstream (x264's AVX-512 code let it, at small sizes).
     */
    @Test
    void theBytesDoNotDependOnUninitialisedMemory() throws Exception {
        Path first = encodeInChildProcess("85");
        Path second = encodeInChildProcess("170");
        SameBytes.assertSameFile(first, second);
    }

    private Path encodeInChildProcess(String mallocPerturb) throws Exception {
        Path file = dir.resolve("perturb-" + mallocPerturb + ".mp4");
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                EncodeGoldenVideoMain.class.getName(), file.toString())
                .redirectErrorStream(true);
        child.environment().put("MALLOC_PERTURB_", mallocPerturb);
        Process process = child.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return file;
    }

    /**
     * A disk that fills up at the start, in the middle of the media or at the trailer (the index
     * written last): the encode fails with the OS's reason and leaves no file, never a video without its index.
     */
    @Test
    void aFullDiskFailsTheEncodeWithItsReasonAndLeavesNoFile() throws IOException {
        Path whole = dir.resolve("whole.mp4");
        Mp4Writer.write(PixelFrames.of(pixels), 16, whole);
        long size = Files.size(whole);
        for (long free : new long[] {100, size / 2, size - 10}) {
            Path file = dir.resolve("full-" + free + ".mp4");
            assertThatThrownBy(() -> Mp4Writer.write(PixelFrames.of(pixels), 16, file, path -> new LimitedChannel(path, free, LimitedChannel.DISK_FULL)))
                    .as("%d bytes free", free)
                    .isInstanceOf(StorageException.class)
                    .hasMessage("cannot write " + file + ": No space left on device");
            assertThat(file).as("%d bytes free", free).doesNotExist();
        }
    }

    @Test
    void aCutOrIndexlessFileFailsVerification() throws IOException {
        Path file = dir.resolve("video.mp4");
        Mp4Writer.write(PixelFrames.of(pixels), 16, file);
        int frames = PixelFrames.frameCount(pixels);
        Mp4File.verify(file, frames);
        byte[] bytes = Files.readAllBytes(file);

        assertThatThrownBy(() -> Mp4File.verify(file, frames + 1)).hasMessageContaining("its index lists " + frames + " frames");
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> Mp4File.verify(cut, frames)).hasMessageContaining("does not fit the file");
        Path noIndex = Files.write(dir.resolve("no-index.mp4"), new String(bytes, StandardCharsets.ISO_8859_1)
                .replace("moov", "free").getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> Mp4File.verify(noIndex, frames)).hasMessageContaining("lacks its 'moov'");
        Path noFtyp = Files.write(dir.resolve("no-ftyp.mp4"), new String(bytes, StandardCharsets.ISO_8859_1)
                .replace("ftyp", "wide").getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> Mp4File.verify(noFtyp, frames)).hasMessageContaining("not 'ftyp'");
        Path notMp4 = Files.write(dir.resolve("not.mp4"), "not a video at all".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Mp4File.verify(notMp4, frames)).hasMessageContaining("the box at byte 0 does not fit");
    }

    /** A smooth video with a different ramp per channel: survives yuv420p, and shows a swapped channel order. */
    @Test
    void decodedFramesMatchTheWrittenOnesUpToCodecNoise() throws IOException {
        int frames = 12;
        Path file = dir.resolve("ramps.mp4");
        try (NDManager local = manager.newSubManager()) {
            NDArray ramps = video(local, frames, 64, 64, (c, f, y, x) -> (c == 0 ? x / 32f : c == 1 ? y / 32f : f / 6f) - 1f);
            Mp4Writer.write(PixelFrames.of(ramps), 16, file);
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

    interface PixelValue {
        float at(int channel, int frame, int y, int x);
    }

    /** A video {@code [1,3,F,H,W]} with values in [-1, 1] from {@code value}. */
    static NDArray video(NDManager manager, int frames, int height, int width, PixelValue value) {
        float[] values = new float[3 * frames * height * width];
        int at = 0;
        for (int c = 0; c < 3; c++) {
            for (int f = 0; f < frames; f++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        values[at++] = Math.max(-1f, Math.min(1f, value.at(c, f, y, x)));
                    }
                }
            }
        }
        return manager.create(values, new Shape(1, 3, frames, height, width));
    }
}
