package io.framepack.worker.runtime.output;

import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.pipeline.VideoFrames;
import io.framepack.worker.runtime.storage.DirectoryStore;
import io.framepack.worker.runtime.storage.StorageException;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.Seekable;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
    public static final int FPS = SectionSchedule.FRAMES_PER_SECOND;
    /** x264's instruction-set option: SSE2 on x86-64, its C code elsewhere (the same bytes). */
    static final String X264_CPU = isX86() ? "SSE2" : "0";

    private static final DirectoryStore.ChannelOpener REPLACE = path -> FileChannel.open(path,
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);

    private Mp4Writer() {
    }

    /** Encodes the whole video into {@code file}, replacing it. */
    public static void write(VideoFrames pixels, int crf, Path file) throws IOException {
        write(pixels, crf, file, X264_CPU, REPLACE);
    }

    /** As {@link #write(VideoFrames, int, Path)}, through a channel {@code files} opens (a test's full disk). */
    public static void write(VideoFrames pixels, int crf, Path file, DirectoryStore.ChannelOpener files) throws IOException {
        write(pixels, crf, file, X264_CPU, files);
    }

    /** As {@link #write(VideoFrames, int, Path)} with x264 held to {@code x264Cpu} (its {@code asm} option). */
    static void write(VideoFrames pixels, int crf, Path file, String x264Cpu) throws IOException {
        write(pixels, crf, file, x264Cpu, REPLACE);
    }

    /**
     * FFmpeg writes through a stream of ours rather than its own file: it ignores a failed write
     * of its trailer (the {@code moov} index), and JavaCV only prints failed stream writes, so the
     * stream keeps the first failure to throw it here. The file is then checked as a whole; on any
     * failure it is deleted.
     */
    private static void write(VideoFrames pixels, int crf, Path file, String x264Cpu, DirectoryStore.ChannelOpener files)
            throws IOException {
        int frames = pixels.frameCount();
        int height = pixels.height();
        int width = pixels.width();
        Yuv420p.requireEvenSize(width, height);
        boolean written = false;
        try {
            try (ChannelOutput out = new ChannelOutput(openChannel(files, file))) {
                encode(pixels, crf, x264Cpu, frames, width, height, out, file);
                out.finish(file);
            }
            Mp4File.verify(file, frames);
            written = true;
        } finally {
            if (!written) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static FileChannel openChannel(DirectoryStore.ChannelOpener files, Path file) throws StorageException {
        try {
            return files.open(file);
        } catch (IOException e) {
            throw StorageException.of("cannot write", file, e);
        }
    }

    private static void encode(VideoFrames pixels, int crf, String x264Cpu, int frames, int width, int height,
                               ChannelOutput out, Path file) throws IOException {
        // x264's per-file statistics are noise in a worker's log; errors still show.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out, width, height, 0);
        recorder.setCloseOutputStream(false);
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
                Yuv420p.fromRgb(pixels.rgb(f), width, height, yuv);
                planes.clear();
                planes.put(yuv).flip();
                // Already in the codec's format and size: FFmpeg hands the planes to x264 unscaled.
                recorder.recordImage(width, height, Frame.DEPTH_UBYTE, 1, width, avutil.AV_PIX_FMT_YUV420P, planes);
            }
            recorder.stop();
        } catch (FrameRecorder.Exception e) {
            out.finish(file); // a failed write is the better reason
            throw new IOException("cannot encode " + file + ": " + e.getMessage(), e);
        } finally {
            recorder.release();
        }
    }

    /** The file as a seekable stream for FFmpeg's muxer, which goes back to patch box sizes. */
    private static final class ChannelOutput extends OutputStream implements Seekable {
        private static final int SEEK_SET = 0;
        private static final int SEEK_CUR = 1;
        private static final int SEEK_END = 2;

        private final FileChannel channel;
        private IOException failure;

        ChannelOutput(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer data = ByteBuffer.wrap(b, off, len);
            try {
                while (data.hasRemaining()) {
                    channel.write(data);
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure;
                throw e;
            }
        }

        @Override
        public void seek(long offset, int whence) {
            try {
                long base = switch (whence) {
                    case SEEK_SET -> 0;
                    case SEEK_CUR -> channel.position();
                    case SEEK_END -> channel.size();
                    default -> throw new IOException("unsupported seek mode " + whence);
                };
                channel.position(base + offset);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
                throw new UncheckedIOException(e);
            }
        }

        /** Throws the first write failure, else makes the bytes durable. */
        void finish(Path file) throws StorageException {
            try {
                if (failure != null) {
                    throw failure;
                }
                channel.force(true);
            } catch (IOException e) {
                throw StorageException.of("cannot write", file, e);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }
}
