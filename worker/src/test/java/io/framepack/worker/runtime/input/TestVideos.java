package io.framepack.worker.runtime.input;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** MP4 files made at test time with FFmpeg: real files of every kind the reader must take or refuse. */
public final class TestVideos {
    private TestVideos() {
    }

    /** The RGB of frame {@code f}: a gradient moving right a pixel a frame, smooth enough to survive H.264 almost as is. */
    public static byte[] frame(int width, int height, int f) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                rgb[i] = (byte) (40 + 160 * ((x + f) % width) / width);
                rgb[i + 1] = (byte) (40 + 160 * y / height);
                rgb[i + 2] = (byte) 128;
            }
        }
        return rgb;
    }

    /**
     * H.264 of {@link #frame} frames in {@code pixelFormat} (yuv444p takes an odd height), laid out
     * as the muxer's {@code movflags} say (null: index last; faststart: index first;
     * frag_keyframe+empty_moov: fragmented, an index without samples).
     */
    public static byte[] h264(Path dir, int width, int height, int frames, int pixelFormat, String movflags)
            throws IOException {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Path file = Files.createTempFile(dir, "video", ".mp4");
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0);
        recorder.setFormat("mp4");
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        recorder.setPixelFormat(pixelFormat);
        recorder.setFrameRate(30);
        recorder.setVideoOption("crf", "10");
        recorder.setVideoOption("threads", "1");
        if (movflags != null) {
            recorder.setOption("movflags", movflags);
        }
        recorder.start();
        ByteBuffer buffer = ByteBuffer.allocateDirect(width * height * 3);
        for (int f = 0; f < frames; f++) {
            buffer.clear();
            buffer.put(frame(width, height, f)).flip();
            recorder.recordImage(width, height, Frame.DEPTH_UBYTE, 3, width * 3, avutil.AV_PIX_FMT_RGB24, buffer);
        }
        recorder.stop();
        recorder.release();
        return Files.readAllBytes(file);
    }

    public static byte[] h264(Path dir, int width, int height, int frames) throws IOException {
        return h264(dir, width, height, frames, avutil.AV_PIX_FMT_YUV420P, null);
    }

    /** An MP4 with one AAC track and no video. */
    public static byte[] audioOnly(Path dir) throws IOException {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Path file = Files.createTempFile(dir, "audio", ".mp4");
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), 1);
        recorder.setFormat("mp4");
        recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
        recorder.setSampleRate(44100);
        recorder.start();
        recorder.recordSamples(44100, 1, ShortBuffer.wrap(new short[44100]));
        recorder.stop();
        recorder.release();
        return Files.readAllBytes(file);
    }

    /** {@code mp4} with the width and height of its {@code avc1} sample entry replaced: a header that lies. */
    public static byte[] withClaimedSize(byte[] mp4, int width, int height) {
        byte[] patched = mp4.clone();
        // The sample entry inside 'stsd' (the brand list of 'ftyp' names avc1 too).
        int entry = indexOf(patched, "avc1", indexOf(patched, "stsd", 0));
        // After the type: 6 reserved, data reference index, pre-defined, reserved, 12 pre-defined bytes.
        int at = entry + 4 + 6 + 2 + 2 + 2 + 12;
        patched[at] = (byte) (width >> 8);
        patched[at + 1] = (byte) width;
        patched[at + 2] = (byte) (height >> 8);
        patched[at + 3] = (byte) height;
        return patched;
    }

    private static int indexOf(byte[] bytes, String type, int from) {
        for (int i = from; i + 4 <= bytes.length; i++) {
            if (bytes[i] == type.charAt(0) && bytes[i + 1] == type.charAt(1) && bytes[i + 2] == type.charAt(2)
                    && bytes[i + 3] == type.charAt(3)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + type + " box");
    }
}
