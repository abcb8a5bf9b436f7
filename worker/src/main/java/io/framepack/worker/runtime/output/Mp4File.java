package io.framepack.worker.runtime.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that an MP4 the worker wrote is whole before anyone is told it exists: its top-level
 * boxes tile the file exactly, {@code ftyp} comes first, {@code moov} (written last, by the
 * trailer) and {@code mdat} are there, and the one track's sample table lists the expected
 * frames, whose sizes fit in the media data. An encoder that lost a write leaves a file that
 * fails one of these.
 */
public final class Mp4File {
    /** A moov this large is not the index of a worker's video (4 bytes per frame and a little). */
    private static final long MAX_MOOV_BYTES = 64L << 20;
    private static final int HEADER = 8;
    private static final int LARGE_HEADER = 16;

    private Mp4File() {
    }

    /** @throws IOException naming what is wrong when {@code file} is not a complete video of {@code frames} frames */
    public static void verify(Path file, int frames) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = channel.size();
            ByteBuffer moov = null;
            long media = 0;
            boolean hasMedia = false;
            long at = 0;
            while (at < length) {
                Box box = header(channel, at, length, file);
                if (at == 0 && !box.type.equals("ftyp")) {
                    throw broken(file, "it starts with '" + box.type + "', not 'ftyp'");
                }
                if (box.type.equals("moov")) {
                    if (moov != null || box.payload() > MAX_MOOV_BYTES) {
                        throw broken(file, "its 'moov' box is repeated or " + box.size + " bytes long");
                    }
                    moov = ByteBuffer.allocate((int) box.payload());
                    readFully(channel, moov, at + box.headerSize);
                } else if (box.type.equals("mdat")) {
                    hasMedia = true;
                    media += box.payload();
                }
                at += box.size;
            }
            if (moov == null || !hasMedia) {
                throw broken(file, "it lacks its " + (moov == null ? "'moov' (index)" : "'mdat' (media)") + " box");
            }
            checkSamples(file, moov, media, frames);
        }
    }

    private record Box(String type, long size, int headerSize) {
        long payload() {
            return size - headerSize;
        }
    }

    private static Box header(FileChannel channel, long at, long length, Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(LARGE_HEADER);
        bytes.limit((int) Math.min(LARGE_HEADER, length - at));
        readFully(channel, bytes, at);
        if (bytes.remaining() < HEADER) {
            throw broken(file, "it ends inside a box header at byte " + at);
        }
        Box box = box(bytes);
        if (box == null || at + box.size > length) {
            throw broken(file, "the box at byte " + at + " does not fit the file's " + length + " bytes");
        }
        return box;
    }

    /** Fills {@code buffer} from {@code position} on (as far as the file goes) and flips it. */
    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
            continue;
        }
        buffer.flip();
    }

    /** The box whose header starts at the buffer's position, or null if its size is impossible. */
    private static Box box(ByteBuffer bytes) {
        long size = Integer.toUnsignedLong(bytes.getInt());
        byte[] type = new byte[4];
        bytes.get(type);
        int headerSize = HEADER;
        if (size == 1) {
            if (bytes.remaining() < Long.BYTES) {
                return null;
            }
            size = bytes.getLong();
            headerSize = LARGE_HEADER;
        }
        // Size 0 ("to the end of the file") is what an unfinished writer leaves.
        return size < headerSize ? null : new Box(new String(type, StandardCharsets.ISO_8859_1), size, headerSize);
    }

    private static void checkSamples(Path file, ByteBuffer moov, long media, int frames) throws IOException {
        List<ByteBuffer> tracks = children(moov, "trak", file);
        if (tracks.size() != 1) {
            throw broken(file, "it has " + tracks.size() + " tracks, not one");
        }
        ByteBuffer sizes = tracks.get(0);
        for (String type : new String[] {"mdia", "minf", "stbl", "stsz"}) {
            List<ByteBuffer> found = children(sizes, type, file);
            if (found.isEmpty()) {
                throw broken(file, "its track has no '" + type + "' box");
            }
            sizes = found.get(0);
        }
        if (sizes.remaining() < 12) {
            throw broken(file, "its sample size table is cut short");
        }
        sizes.getInt(); // version and flags
        long uniformSize = Integer.toUnsignedLong(sizes.getInt());
        long samples = Integer.toUnsignedLong(sizes.getInt());
        if (samples != frames) {
            throw broken(file, "its index lists " + samples + " frames, the video has " + frames);
        }
        long total = uniformSize * samples;
        if (uniformSize == 0) {
            if (sizes.remaining() < samples * 4) {
                throw broken(file, "its sample size table is cut short");
            }
            for (long i = 0; i < samples; i++) {
                total += Integer.toUnsignedLong(sizes.getInt());
            }
        }
        if (total > media) {
            throw broken(file, "its frames need " + total + " bytes of media, 'mdat' holds " + media);
        }
    }

    /** The payloads of the child boxes of {@code type} in {@code parent}'s remaining bytes, which must tile it. */
    private static List<ByteBuffer> children(ByteBuffer parent, String type, Path file) throws IOException {
        List<ByteBuffer> found = new ArrayList<>();
        ByteBuffer scan = parent.duplicate();
        while (scan.hasRemaining()) {
            int start = scan.position();
            Box box = scan.remaining() >= HEADER ? box(scan) : null;
            if (box == null || box.size > scan.limit() - start) {
                throw broken(file, "a box inside its index does not fit");
            }
            if (box.type.equals(type)) {
                found.add(scan.duplicate().position(start + box.headerSize).limit(start + (int) box.size).slice());
            }
            scan.position(start + (int) box.size);
        }
        return found;
    }

    private static IOException broken(Path file, String why) {
        return new IOException("the encoded video " + file + " is incomplete: " + why);
    }
}
