package io.framepack.worker.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code SiglipImageProcessor.preprocess} for one RGB image: resize to a fixed size (aspect ratio
 * not kept), {@code pixel · rescale} in double stored as float32, {@code (x − mean) / std} in
 * float32, channels first. Values come from the {@code feature_extractor/preprocessor_config.json}.
 *
 * <p>The resize arithmetic depends on the transformers version: the torchvision-based processors
 * of current versions, which produced the golden tensors we define parity by, use libtorch's uint8
 * antialiased kernel ({@link PillowResampler.FixedPoint#TORCH_UINT8}, the default); the PIL
 * processor of the version FramePack's requirements pin (4.46.2) resizes with Pillow
 * ({@link PillowResampler.FixedPoint#PILLOW}). The two differ by one step on rare values.
 */
public record SiglipPreprocessor(int height, int width, PillowResampler.Filter resample, double rescaleFactor,
                                 float[] mean, float[] std, PillowResampler.FixedPoint resizeArithmetic) {

    public static SiglipPreprocessor read(Path preprocessorConfig) throws IOException {
        return fromJson(new ObjectMapper().readTree(preprocessorConfig.toFile()));
    }

    public static SiglipPreprocessor fromJson(JsonNode json) {
        if (!json.path("do_resize").asBoolean(true) || !json.path("do_rescale").asBoolean(true)
                || !json.path("do_normalize").asBoolean(true)) {
            throw new IllegalArgumentException("only processors that resize, rescale and normalise are supported: " + json);
        }
        JsonNode size = json.path("size");
        int height = size.isInt() ? size.asInt() : size.path("height").asInt(224);
        int width = size.isInt() ? size.asInt() : size.path("width").asInt(224);
        return new SiglipPreprocessor(height, width, pillowFilter(json.path("resample").asInt(3)),
                json.path("rescale_factor").asDouble(1 / 255.0),
                floats(json.path("image_mean"), 0.5f), floats(json.path("image_std"), 0.5f),
                PillowResampler.FixedPoint.TORCH_UINT8);
    }

    public SiglipPreprocessor withResizeArithmetic(PillowResampler.FixedPoint arithmetic) {
        return new SiglipPreprocessor(height, width, resample, rescaleFactor, mean, std, arithmetic);
    }

    /** Pillow's resample codes: 1 LANCZOS, 3 BICUBIC (the only ones the official processors use). */
    static PillowResampler.Filter pillowFilter(int code) {
        return switch (code) {
            case 1 -> PillowResampler.Filter.LANCZOS;
            case 3 -> PillowResampler.Filter.BICUBIC;
            default -> throw new IllegalArgumentException("Pillow resample " + code + " is not supported (1 or 3)");
        };
    }

    private static float[] floats(JsonNode array, float fallback) {
        if (!array.isArray()) {
            return new float[] {fallback, fallback, fallback};
        }
        if (array.size() != 3) {
            throw new IllegalArgumentException("expected 3 channel values, got " + array);
        }
        return new float[] {(float) array.get(0).asDouble(), (float) array.get(1).asDouble(),
                (float) array.get(2).asDouble()};
    }

    /** {@code pixel_values [1, 3, height, width]} in float32. */
    public NDArray pixelValues(RgbImage image, NDManager manager) {
        RgbImage resized = PillowResampler.resize(image, width, height, resample, resizeArithmetic);
        int plane = width * height;
        float[] values = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float rescaled = (float) ((resized.pixels()[i * 3 + c] & 0xFF) * rescaleFactor);
                values[c * plane + i] = (rescaled - mean[c]) / std[c];
            }
        }
        return manager.create(values, new Shape(1, 3, height, width));
    }
}
