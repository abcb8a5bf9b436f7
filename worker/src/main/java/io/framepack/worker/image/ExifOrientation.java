package io.framepack.worker.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The EXIF orientation tag (0x0112) of a PNG ({@code eXIf}), JPEG (APP1 {@code Exif}) or WebP
 * ({@code EXIF} chunk), and the transposition that shows the image upright — the mapping of
 * Pillow's {@code ImageOps.exif_transpose}. Anything malformed reads as orientation 1: a broken
 * tag must not lose an otherwise good photo.
 */
final class ExifOrientation {
    private static final int ORIENTATION_TAG = 0x0112;
    private static final byte[] EXIF_HEADER = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);

    private ExifOrientation() {
    }

    /** 1…8, or 1 when there is no usable tag. */
    static int read(byte[] file, ImageDecoder.Format format) {
        try {
            int tiff = switch (format) {
                case JPEG -> jpegTiffOffset(file);
                case PNG -> chunkTiffOffset(file, 8, "eXIf", ByteOrder.BIG_ENDIAN);
                case WEBP -> chunkTiffOffset(file, 12, "EXIF", ByteOrder.LITTLE_ENDIAN);
            };
            if (tiff < 0) {
                return 1;
            }
            if (startsWith(file, tiff, EXIF_HEADER)) {
                tiff += EXIF_HEADER.length;
            }
            int value = tiffOrientation(file, tiff);
            return value >= 1 && value <= 8 ? value : 1;
        } catch (IndexOutOfBoundsException e) {
            return 1;
        }
    }

    private static int jpegTiffOffset(byte[] f) {
        int pos = 2;
        while (pos + 4 <= f.length && (f[pos] & 0xFF) == 0xFF) {
            int marker = f[pos + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                return -1;
            }
            int length = ((f[pos + 2] & 0xFF) << 8) | (f[pos + 3] & 0xFF);
            if (marker == 0xE1 && startsWith(f, pos + 4, EXIF_HEADER)) {
                return pos + 4 + EXIF_HEADER.length;
            }
            pos += 2 + length;
        }
        return -1;
    }

    /** PNG and RIFF both store chunks as (length, type) or (type, length) headers; find {@code type}'s data. */
    private static int chunkTiffOffset(byte[] f, int start, String type, ByteOrder order) {
        ByteBuffer buffer = ByteBuffer.wrap(f).order(order);
        byte[] wanted = type.getBytes(StandardCharsets.ISO_8859_1);
        int pos = start;
        boolean png = order == ByteOrder.BIG_ENDIAN;
        while (pos + 8 <= f.length) {
            long length = Integer.toUnsignedLong(buffer.getInt(png ? pos : pos + 4));
            int typeAt = png ? pos + 4 : pos;
            if (startsWith(f, typeAt, wanted)) {
                return pos + 8;
            }
            long next = pos + 8 + length + (png ? 4 : (length & 1));
            if (next > f.length) {
                return -1;
            }
            pos = (int) next;
        }
        return -1;
    }

    private static int tiffOrientation(byte[] f, int tiff) {
        ByteOrder order = switch (new String(f, tiff, 2, StandardCharsets.ISO_8859_1)) {
            case "II" -> ByteOrder.LITTLE_ENDIAN;
            case "MM" -> ByteOrder.BIG_ENDIAN;
            default -> null;
        };
        if (order == null) {
            return 1;
        }
        ByteBuffer b = ByteBuffer.wrap(f).order(order);
        int ifd = tiff + b.getInt(tiff + 4);
        int entries = b.getShort(ifd) & 0xFFFF;
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + i * 12;
            if ((b.getShort(entry) & 0xFFFF) == ORIENTATION_TAG) {
                return b.getShort(entry + 8) & 0xFFFF;
            }
        }
        return 1;
    }

    private static boolean startsWith(byte[] f, int at, byte[] prefix) {
        if (at < 0 || at + prefix.length > f.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (f[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code image} turned upright for {@code orientation} (Pillow: 2 mirror, 3 180°, 4 flip, 5 transpose, 6 90° cw, 7 transverse, 8 90° ccw). */
    static RgbImage apply(RgbImage image, int orientation) {
        if (orientation == 1) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= 5;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    case 8 -> { sx = w - 1 - y; sy = x; }
                    default -> throw new IllegalArgumentException("EXIF orientation " + orientation);
                }
                System.arraycopy(in, (sy * w + sx) * 3, out, (y * outW + x) * 3, 3);
            }
        }
        return new RgbImage(outW, outH, out);
    }
}
