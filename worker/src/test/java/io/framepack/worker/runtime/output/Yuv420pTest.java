package io.framepack.worker.runtime.output;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Yuv420pTest {
    /** One 2×2 frame of a single colour: its Y, U and V codes. */
    private static int[] convertFlat(int r, int g, int b) {
        byte[] rgb = new byte[2 * 2 * 3];
        for (int i = 0; i < 4; i++) {
            rgb[3 * i] = (byte) r;
            rgb[3 * i + 1] = (byte) g;
            rgb[3 * i + 2] = (byte) b;
        }
        byte[] yuv = new byte[Yuv420p.frameBytes(2, 2)];
        Yuv420p.fromRgb(rgb, 2, 2, yuv);
        for (int i = 1; i < 4; i++) {
            assertThat(yuv[i]).isEqualTo(yuv[0]);
        }
        return new int[] {yuv[0] & 0xFF, yuv[4] & 0xFF, yuv[5] & 0xFF};
    }

    @Test
    void primariesLandOnTheBt601LimitedRangeCodes() {
        assertThat(convertFlat(0, 0, 0)).containsExactly(16, 128, 128);
        assertThat(convertFlat(255, 255, 255)).containsExactly(235, 128, 128);
        assertThat(convertFlat(255, 0, 0)).containsExactly(81, 90, 240);
        assertThat(convertFlat(0, 255, 0)).containsExactly(145, 54, 34);
        assertThat(convertFlat(0, 0, 255)).containsExactly(41, 240, 110);
    }

    @Test
    void lumaIsPerPixelAndChromaTheMeanOfEachTwoByTwoBlock() {
        // 4x2: left block two red over two black pixels, right block all blue.
        byte[] rgb = new byte[4 * 2 * 3];
        int[][] pixels = {{255, 0, 0}, {255, 0, 0}, {0, 0, 255}, {0, 0, 255},
                          {0, 0, 0}, {0, 0, 0}, {0, 0, 255}, {0, 0, 255}};
        for (int i = 0; i < pixels.length; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[3 * i + c] = (byte) pixels[i][c];
            }
        }
        byte[] yuv = new byte[Yuv420p.frameBytes(4, 2)];
        Yuv420p.fromRgb(rgb, 4, 2, yuv);
        assertThat(new int[] {yuv[0] & 0xFF, yuv[2] & 0xFF, yuv[4] & 0xFF}).containsExactly(81, 41, 16);
        // U plane at 8, V plane at 10: the left block is halfway between red and black.
        assertThat(new int[] {yuv[8] & 0xFF, yuv[9] & 0xFF}).containsExactly(109, 240);
        assertThat(new int[] {yuv[10] & 0xFF, yuv[11] & 0xFF}).containsExactly(184, 110);
    }

    @Test
    void oddSizesAreRefused() {
        assertThatThrownBy(() -> Yuv420p.fromRgb(new byte[3 * 3 * 2 * 3], 3, 2, new byte[100]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3x2");
    }
}
