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
 * The same frames always give the same bytes.
 */
public final class Mp4Writer {
    public static final int FPS = 30;

    private Mp4Writer() {
    }

    /** Encodes the whole video {@code [1,3,F,H,W]} (pixels in [-1, 1]) into {@code file}. */
    public static void write(NDArray pixels, int crf, Path file) throws IOException {
        int frames = PixelFrames.frameCount(pixels);
        int height = PixelFrames.height(pixels);
        int width = PixelFrames.width(pixels);
        if (height % 2 != 0 || width % 2 != 0) {
            throw new IllegalArgumentException("yuv420p needs even frame sizes, got " + width + "x" + height);
        }
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
        try {
            recorder.start();
            Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            ByteBuffer image = (ByteBuffer) frame.image[0];
            for (int f = 0; f < frames; f++) {
                byte[] rgb = PixelFrames.frame(pixels, f);
                for (int y = 0; y < height; y++) {
                    image.position(y * frame.imageStride);
                    image.put(rgb, y * width * 3, width * 3);
                }
                image.rewind();
                recorder.record(frame, avutil.AV_PIX_FMT_RGB24);
            }
            recorder.stop();
        } catch (FrameRecorder.Exception e) {
            throw new IOException("cannot encode " + file + ": " + e.getMessage(), e);
        } finally {
            recorder.release();
        }
    }
}
