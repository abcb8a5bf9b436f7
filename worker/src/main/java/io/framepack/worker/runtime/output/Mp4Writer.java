package io.framepack.worker.runtime.output;

import ai.djl.ndarray.NDArray;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * H.264 MP4 as the official demo writes it (PyAV through torchvision): libx264, yuv420p, the
 * given CRF, 30 frames per second. FFmpeg comes from JavaCV's GPL build, which has libx264.
 *
 * <p>The same frames give the same bytes on every CPU, so that a render resumed on another node
 * writes the file an uninterrupted one would. Two CPU-dependent stages stand in the way and are
 * avoided: FFmpeg's scaler converts RGB to YUV with SIMD code whose results differ between
 * feature levels, so {@link Yuv420p} converts here; and x264 gives other bytes for its SSSE3 and
 * later code than for SSE2 or plain C, while its AVX-512 macroblock-tree code reads uninitialised
 * memory at small sizes (bytes varied run to run under {@code MALLOC_PERTURB_}). So x264 is held
 * to SSE2, which every x86-64 CPU has and which encodes exactly as its C code does.
 */
public final class Mp4Writer {
    public static final int FPS = 30;
    /** x264's instruction-set option: SSE2 on x86-64, its C code elsewhere (the same bytes). */
    static final String X264_CPU = isX86() ? "SSE2" : "0";

    private Mp4Writer() {
    }

    /** Encodes the whole video {@code [1,3,F,H,W]} (pixels in [-1, 1]) into {@code file}. */
    public static void write(NDArray pixels, int crf, Path file) throws IOException {
        write(pixels, crf, file, X264_CPU);
    }

    /** As {@link #write(NDArray, int, Path)} with x264 held to {@code x264Cpu} (its {@code asm} option). */
    static void write(NDArray pixels, int crf, Path file, String x264Cpu) throws IOException {
        int frames = PixelFrames.frameCount(pixels);
        int height = PixelFrames.height(pixels);
        int width = PixelFrames.width(pixels);
        Yuv420p.requireEvenSize(width, height);
        // x264's per-file statistics are noise in a worker's log; errors still show.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0);
        recorder.setFormat("mp4");
        recorder.setVideoCodecName("libx264");
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(FPS);
        recorder.setVideoOption("crf", Integer.toString(crf));
        // One encoder thread: x264's frame threads made the bitstream differ between runs for the
        // same frames, and a resumed render must write the same file as an uninterrupted one.
        recorder.setVideoOption("threads", "1");
        recorder.setVideoOption("x264-params", "asm=" + x264Cpu);
        try {
            recorder.start();
            byte[] yuv = new byte[Yuv420p.frameBytes(width, height)];
            ByteBuffer planes = ByteBuffer.allocateDirect(yuv.length);
            for (int f = 0; f < frames; f++) {
                Yuv420p.fromRgb(PixelFrames.frame(pixels, f), width, height, yuv);
                planes.clear();
                planes.put(yuv).flip();
                // Already in the codec's format and size: FFmpeg hands the planes to x264 unscaled.
                recorder.recordImage(width, height, Frame.DEPTH_UBYTE, 1, width, avutil.AV_PIX_FMT_YUV420P, planes);
            }
            recorder.stop();
        } catch (FrameRecorder.Exception e) {
            throw new IOException("cannot encode " + file + ": " + e.getMessage(), e);
        } finally {
            recorder.release();
        }
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }
}
