package io.framepack.worker.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CMYK and YCCK JPEGs (with and without subsampling, with a colour profile) decode to exactly the
 * RGB that Pillow's {@code Image.open(f).convert('RGB')} gives, as the official demo sees them
 * (goldens/cmyk-jpeg, made by worker/goldens/make_cmyk_jpeg_case.py).
 */
class CmykJpegTest {
    private static final int WIDTH = 33;
    private static final int HEIGHT = 17;

    @ParameterizedTest
    @ValueSource(strings = {"cmyk", "cmyk-420", "ycck", "ycck-420", "icc-cmyk"})
    void fourComponentJpegsDecodeAsPillowConvertsThem(String name) throws Exception {
        RgbImage decoded = new ImageDecoder().decode(resource(name + ".jpg"), name + ".jpg");

        assertThat(decoded.width()).isEqualTo(WIDTH);
        assertThat(decoded.height()).isEqualTo(HEIGHT);
        assertThat(decoded.pixels()).isEqualTo(resource(name + ".rgb"));
    }

    @Test
    void aTruncatedCmykJpegIsStillRefused() throws Exception {
        byte[] whole = resource("cmyk.jpg");
        byte[] truncated = Arrays.copyOf(whole, whole.length * 2 / 3);

        assertThatThrownBy(() -> new ImageDecoder().decode(truncated, "cut.jpg"))
                .isInstanceOf(ImageInputException.class).hasMessageStartingWith("cut.jpg is damaged or truncated");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = CmykJpegTest.class.getResourceAsStream("/goldens/cmyk-jpeg/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
