package io.framepack.worker.runtime.input;

import io.framepack.worker.image.RgbImage;
import io.framepack.worker.runtime.InvalidInputException;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The frames of an MP4 a render extends, decoded with FFmpeg (JavaCV, as the MP4 writer), each
 * brought to the render's size as it is decoded so that only frames of that size are kept.
 *
 * <p>Everything is bounded before it is allocated: the file's bytes by the reader, the frame size
 * and count by the container's header (read without decoding a frame), the decoder by FFmpeg's
 * {@code max_pixels} in case the stream's own header claims more, and the frames by counting.
 * Colours are converted by FFmpeg's scaler with its bit-exact flags, which keep its output
 * independent of the CPU's SIMD level, so a resumed render on another node reads the same pixels.
 */
public final class Mp4Frames {
    private static final int MIN_SIDE = 16;

    /**
     * @param maxBytes  the file (also what its sources read at most)
     * @param maxFrames frames decoded and kept (at the render's size)
     * @param maxSide   width or height of a frame as stored
     * @param maxPixels width × height of a frame as stored
     */
    public record Limits(long maxBytes, int maxFrames, int maxSide, long maxPixels) {
        /** 256 MiB, 1800 frames (60 s at 30 fps, as long as a 60 s render's own frames), 4096 px and 4K UHD's pixels. */
        public static final Limits DEFAULT = new Limits(256L << 20, 1800, 4096, 3840L * 2160);
    }

    private Mp4Frames() {
    }

    /**
     * Every frame of {@code mp4}'s video track, in order, through {@code toRenderSize}.
     *
     * @throws InvalidInputException naming what is wrong: not an MP4, no video track, no frames,
     *                               a size or count past {@code limits}, data that does not decode
     */
    public static List<RgbImage> decode(byte[] mp4, Limits limits, UnaryOperator<RgbImage> toRenderSize) {
        if (mp4.length > limits.maxBytes()) {
            throw invalid("is " + mp4.length + " bytes, more than the " + limits.maxBytes() + " allowed");
        }
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Path file = null;
        try {
            // FFmpeg reads a file of its own: the header is read twice, once before any decoder exists.
            file = Files.createTempFile("framepack-input", ".mp4");
            Files.write(file, mp4);
            Header header = header(file);
            checkSize(header.width(), header.height(), limits);
            if (header.frames() > limits.maxFrames()) {
                throw invalid("has " + header.frames() + " frames, more than the " + limits.maxFrames() + " allowed");
            }
            return frames(file, header, limits, toRenderSize);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the input video for FFmpeg", e);
        } finally {
            deleteQuietly(file);
        }
    }

    /**
     * What the video track's header says: frame size and the frames its index lists (0 where it
     * lists none, a fragmented MP4: they are counted as decoded).
     */
    private record Header(int width, int height, long frames) {
    }

    /** The demuxer's reading of the header alone: no stream probing, which would decode frames. */
    private static Header header(Path file) {
        AVFormatContext format = new AVFormatContext(null);
        int opened = avformat.avformat_open_input(format, file.toString(), avformat.av_find_input_format("mp4"), null);
        if (opened < 0) {
            throw invalid("is not an MP4 FFmpeg can read (" + errorText(opened) + ")");
        }
        try {
            for (int i = 0; i < format.nb_streams(); i++) {
                AVStream stream = format.streams(i);
                AVCodecParameters codec = stream.codecpar();
                if (codec.codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                    return new Header(codec.width(), codec.height(), Math.max(0, stream.nb_frames()));
                }
            }
            throw invalid("has no video track");
        } finally {
            avformat.avformat_close_input(format);
        }
    }

    private static List<RgbImage> frames(Path file, Header header, Limits limits, UnaryOperator<RgbImage> toRenderSize) {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
        try {
            grabber.setFormat("mp4");
            grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            grabber.setImageScalingFlags(swscale.SWS_BILINEAR | swscale.SWS_ACCURATE_RND | swscale.SWS_BITEXACT);
            // Should the stream's own parameters claim a larger frame than the header, the decoder refuses it.
            grabber.setVideoOption("max_pixels", Long.toString(limits.maxPixels()));
            grabber.start(false);
            List<RgbImage> frames = new ArrayList<>();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                if (frames.size() == limits.maxFrames()) {
                    throw invalid("has more than the " + limits.maxFrames() + " frames allowed");
                }
                frames.add(toRenderSize.apply(rgb(frame, header.width(), header.height())));
            }
            if (header.frames() > 0 && frames.size() != header.frames()) {
                throw invalid("is cut short or damaged: " + frames.size() + " of its " + header.frames() + " frames decode");
            }
            if (frames.isEmpty()) {
                throw invalid("has no frames");
            }
            return frames;
        } catch (FrameGrabber.Exception e) {
            throw invalid("cannot be decoded: " + e.getMessage(), e);
        } finally {
            try {
                grabber.release();
            } catch (FrameGrabber.Exception e) {
                // Nothing is left to read; the decode's own outcome stands.
            }
        }
    }

    private static String errorText(int error) {
        byte[] text = new byte[256];
        avutil.av_strerror(error, text, text.length);
        int length = 0;
        while (length < text.length && text[length] != 0) {
            length++;
        }
        return new String(text, 0, length, StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A temporary file in the temp directory: the pod's end removes it.
        }
    }

    private static void checkSize(int width, int height, Limits limits) {
        if (width < MIN_SIDE || height < MIN_SIDE) {
            throw invalid("has frames of " + width + "x" + height + ", smaller than " + MIN_SIDE + "x" + MIN_SIDE);
        }
        if (width > limits.maxSide() || height > limits.maxSide() || (long) width * height > limits.maxPixels()) {
            throw invalid("has frames of " + width + "x" + height + ", more than the " + limits.maxSide() + " pixels a side"
                    + " and " + limits.maxPixels() + " pixels a frame allowed");
        }
    }

    /** A decoded RGB24 frame, rows packed. */
    private static RgbImage rgb(Frame frame, int width, int height) {
        if (frame.imageWidth != width || frame.imageHeight != height) {
            throw invalid("changes its frame size from " + width + "x" + height + " to " + frame.imageWidth + "x"
                    + frame.imageHeight);
        }
        ByteBuffer data = ((ByteBuffer) frame.image[0]).duplicate();
        byte[] pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            data.position(y * frame.imageStride);
            data.get(pixels, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, pixels);
    }

    private static InvalidInputException invalid(String what) {
        return invalid(what, null);
    }

    private static InvalidInputException invalid(String what, Throwable cause) {
        return new InvalidInputException(InvalidInputException.INPUT, "the input video " + what, cause);
    }
}
