package io.framepack.worker.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;

import static io.framepack.worker.image.ImageInputException.Reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoding real PNG/JPEG/WebP bytes, and refusing bad input with a typed reason. */
class ImageDecoderTest {
    /** A 1x1 lossy WebP (the feature-detection sample used by Modernizr). */
    private static final String WEBP_1X1 = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA";

    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void pngRoundTripsExactly() throws Exception {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0x102030);
        image.setRGB(2, 1, 0xFFEE01);
        RgbImage rgb = decoder.decode(encode(image, "png"), "t.png");
        assertThat(rgb.width()).isEqualTo(3);
        assertThat(rgb.height()).isEqualTo(2);
        assertThat(new int[] {rgb.sample(0, 0, 0), rgb.sample(0, 0, 1), rgb.sample(0, 0, 2)}).containsExactly(16, 32, 48);
        assertThat(new int[] {rgb.sample(2, 1, 0), rgb.sample(2, 1, 1), rgb.sample(2, 1, 2)}).containsExactly(255, 238, 1);
    }

    @Test
    void alphaIsDroppedLikePillowsConvertRgb() throws Exception {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00C08040); // fully transparent: its colour survives, nothing is composited
        image.setRGB(1, 0, 0x80FF0000);
        RgbImage rgb = decoder.decode(encode(image, "png"), "alpha.png");
        assertThat(new int[] {rgb.sample(0, 0, 0), rgb.sample(0, 0, 1), rgb.sample(0, 0, 2)}).containsExactly(192, 128, 64);
        assertThat(new int[] {rgb.sample(1, 0, 0), rgb.sample(1, 0, 1), rgb.sample(1, 0, 2)}).containsExactly(255, 0, 0);
    }

    @Test
    void greyPngKeepsItsStoredValues() throws Exception {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(0, 0, 0, 100);
        RgbImage rgb = decoder.decode(encode(image, "png"), "grey.png");
        assertThat(new int[] {rgb.sample(0, 0, 0), rgb.sample(0, 0, 1), rgb.sample(0, 0, 2)}).containsExactly(100, 100, 100);
    }

    @Test
    void sixteenBitSamplesKeepTheirHighByte() throws Exception {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setSample(0, 0, 0, 0x64FF);
        RgbImage rgb = decoder.decode(encode(image, "png"), "deep.png");
        assertThat(rgb.sample(0, 0, 0)).isEqualTo(0x64);
        assertThat(rgb.sample(0, 0, 2)).isEqualTo(0x64);
    }

    @Test
    void jpegDecodes() throws Exception {
        RgbImage rgb = decoder.decode(encode(halves(32, 16), "jpg"), "t.jpg");
        assertThat(rgb.width()).isEqualTo(32);
        assertThat(rgb.sample(4, 8, 0)).isGreaterThan(200);
        assertThat(rgb.sample(28, 8, 2)).isGreaterThan(200);
    }

    @Test
    void exifOrientationTurnsThePhotoUpright() throws Exception {
        byte[] jpeg = encode(halves(32, 16), "jpg");
        // Orientation 6: the camera was turned clockwise; the left (red) half belongs on top.
        RgbImage rotated = decoder.decode(withExifOrientation(jpeg, 6), "rotated.jpg");
        assertThat(rotated.width()).isEqualTo(16);
        assertThat(rotated.height()).isEqualTo(32);
        assertThat(rotated.sample(8, 4, 0)).isGreaterThan(200);
        assertThat(rotated.sample(8, 28, 2)).isGreaterThan(200);
        RgbImage counter = decoder.decode(withExifOrientation(jpeg, 8), "rotated.jpg");
        assertThat(counter.sample(8, 28, 0)).isGreaterThan(200);
    }

    @Test
    void everyOrientationMovesTheCornersLikePillow() {
        // 2x1 image: pixel (0,0) = 1, pixel (1,0) = 2 (red channel).
        RgbImage image = new RgbImage(2, 1, new byte[] {1, 0, 0, 2, 0, 0});
        int[][] expected = {{1, 2}, {2, 1}, {2, 1}, {1, 2}, {1, 2}, {1, 2}, {2, 1}, {2, 1}};
        for (int orientation = 1; orientation <= 8; orientation++) {
            RgbImage turned = ExifOrientation.apply(image, orientation);
            int first = turned.sample(0, 0, 0);
            int last = turned.sample(turned.width() - 1, turned.height() - 1, 0);
            assertThat(new int[] {first, last}).as("orientation %d", orientation).containsExactly(expected[orientation - 1]);
            assertThat(turned.width()).isEqualTo(orientation >= 5 ? 1 : 2);
        }
    }

    @Test
    void webpDecodes() throws Exception {
        RgbImage rgb = decoder.decode(Base64.getDecoder().decode(WEBP_1X1), "t.webp");
        assertThat(rgb.width()).isEqualTo(1);
        assertThat(rgb.height()).isEqualTo(1);
    }

    @Test
    void emptyInputIsRefused() {
        assertRefused(new byte[0], Reason.EMPTY);
    }

    @Test
    void textFileIsRefused() {
        assertRefused("a cat walks on the grass\n".getBytes(StandardCharsets.UTF_8), Reason.NOT_AN_IMAGE);
    }

    @Test
    void otherImageFormatsAreNamed() {
        assertThatThrownBy(() -> decoder.decode("GIF89a\1\0\1\0".getBytes(StandardCharsets.ISO_8859_1), "x.gif"))
                .isInstanceOf(ImageInputException.class).hasMessageContaining("GIF");
    }

    @Test
    void truncatedPngAndJpegAreRefused() throws Exception {
        byte[] png = encode(noise(64, 64), "png");
        assertRefused(Arrays.copyOf(png, png.length / 2), Reason.CORRUPT);
        byte[] jpeg = encode(noise(64, 64), "jpg");
        assertRefused(Arrays.copyOf(jpeg, jpeg.length / 2), Reason.CORRUPT);
    }

    @Test
    void corruptDataIsRefused() throws Exception {
        byte[] png = encode(noise(64, 64), "png");
        for (int i = 60; i < png.length - 20; i++) {
            png[i] ^= 0x5A;
        }
        assertRefused(png, Reason.CORRUPT);
        byte[] header = Arrays.copyOf(png, 8);
        assertRefused(header, Reason.CORRUPT);
    }

    @Test
    void decompressionBombIsRefusedFromTheHeader() {
        assertRefused(pngHeaderOnly(100_000, 100_000), Reason.TOO_LARGE);
        assertThatThrownBy(() -> new ImageDecoder(100).decode(encode(noise(11, 10), "png"), "x.png"))
                .isInstanceOf(ImageInputException.class).hasMessageContaining("110 pixels");
    }

    private void assertRefused(byte[] bytes, Reason reason) {
        assertThatThrownBy(() -> decoder.decode(bytes, "input"))
                .isInstanceOfSatisfying(ImageInputException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining("input");
    }

    private static BufferedImage halves(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, x < w / 2 ? 0xFF0000 : 0x0000FF);
            }
        }
        return image;
    }

    private static BufferedImage noise(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).as("writer for %s", format).isTrue();
        return out.toByteArray();
    }

    /** The JPEG with an APP1 Exif segment (big-endian TIFF, one IFD entry: orientation) after SOI. */
    private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4);
        tiff.put("MM".getBytes(StandardCharsets.ISO_8859_1)).putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);
        byte[] exif = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        int length = 2 + exif.length + tiff.capacity();
        ByteBuffer out = ByteBuffer.allocate(jpeg.length + 2 + length);
        out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) length).put(exif).put(tiff.array());
        out.put(jpeg, 2, jpeg.length - 2);
        return out.array();
    }

    /** A PNG signature and an IHDR chunk declaring {@code w x h}, then IEND: no pixel data at all. */
    private static byte[] pngHeaderOnly(int w, int h) {
        ByteBuffer out = ByteBuffer.allocate(8 + 25 + 12);
        out.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.ISO_8859_1)).putInt(w).putInt(h)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        out.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        CRC32 endCrc = new CRC32();
        endCrc.update("IEND".getBytes(StandardCharsets.ISO_8859_1));
        out.putInt(0).put("IEND".getBytes(StandardCharsets.ISO_8859_1)).putInt((int) endCrc.getValue());
        return out.array();
    }
}
