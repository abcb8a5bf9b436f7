package io.framepack.worker.vae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.nn.ConfigJson;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The architecture of diffusers' {@code AutoencoderKLHunyuanVideo}, read from the VAE folder's
 * {@code config.json}; absent fields take the class defaults (the released VAE), so the tiny
 * golden VAE and the real one are built by the same code.
 */
public record VaeConfig(
        int inChannels,
        int outChannels,
        int latentChannels,
        int[] blockOutChannels,
        int layersPerBlock,
        int normNumGroups,
        double scalingFactor,
        int spatialCompressionRatio,
        int temporalCompressionRatio,
        boolean midBlockAddAttention) {

    /** GroupNorm epsilon, fixed in the official blocks. */
    public static final float NORM_EPS = 1e-6f;

    public VaeConfig {
        if (blockOutChannels.length < 2) {
            throw new IllegalArgumentException("block_out_channels needs at least two entries: "
                    + Arrays.toString(blockOutChannels));
        }
        for (int channels : blockOutChannels) {
            if (channels % normNumGroups != 0) {
                throw new IllegalArgumentException("block_out_channels " + Arrays.toString(blockOutChannels)
                        + " must be multiples of norm_num_groups " + normNumGroups);
            }
        }
        if (temporalCompressionRatio != 4) {
            // The official decoder supports only 4 (the encoder also 8, which no released VAE uses).
            throw new IllegalArgumentException("temporal_compression_ratio " + temporalCompressionRatio
                    + " is not supported (only 4)");
        }
        if (Integer.bitCount(spatialCompressionRatio) != 1) {
            throw new IllegalArgumentException("spatial_compression_ratio " + spatialCompressionRatio
                    + " must be a power of two");
        }
    }

    public static VaeConfig read(Path configJson) throws IOException {
        return fromJson(new ObjectMapper().readTree(configJson.toFile()));
    }

    public static VaeConfig fromJson(JsonNode json) {
        checkBlockTypes(json.path("down_block_types"), "HunyuanVideoDownBlock3D");
        checkBlockTypes(json.path("up_block_types"), "HunyuanVideoUpBlock3D");
        String act = json.path("act_fn").asText("silu");
        if (!act.equals("silu") && !act.equals("swish")) {
            throw new IllegalArgumentException("act_fn " + act + " is not supported (only silu)");
        }
        int[] blocks = json.has("block_out_channels")
                ? ConfigJson.ints(json.path("block_out_channels")) : new int[] {128, 256, 512, 512};
        return new VaeConfig(
                json.path("in_channels").asInt(3),
                json.path("out_channels").asInt(3),
                json.path("latent_channels").asInt(16),
                blocks,
                json.path("layers_per_block").asInt(2),
                json.path("norm_num_groups").asInt(32),
                json.path("scaling_factor").asDouble(0.476986),
                json.path("spatial_compression_ratio").asInt(8),
                json.path("temporal_compression_ratio").asInt(4),
                json.path("mid_block_add_attention").asBoolean(true));
    }

    private static void checkBlockTypes(JsonNode types, String supported) {
        if (types.isMissingNode() || types.isNull()) {
            return;
        }
        types.forEach(type -> {
            if (!type.asText().equals(supported)) {
                throw new IllegalArgumentException("block type " + type.asText() + " is not supported (only "
                        + supported + ")");
            }
        });
    }

    /** Number of resolution stages (down blocks = up blocks). */
    public int stages() {
        return blockOutChannels.length;
    }

    /**
     * Whether stage {@code i} of the encoder halves time (and, read from the decoder's side, whether
     * up block {@code i} doubles it): the last {@code log2(temporal ratio)} stages before the final one.
     */
    public boolean timeScaled(int stage) {
        int timeLayers = Integer.numberOfTrailingZeros(temporalCompressionRatio);
        return stage >= stages() - 1 - timeLayers && stage != stages() - 1;
    }

    /** Whether stage {@code i} halves (encoder) or doubles (decoder) height and width: the first log2(ratio). */
    public boolean spaceScaled(int stage) {
        return stage < Integer.numberOfTrailingZeros(spatialCompressionRatio);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VaeConfig that && Arrays.equals(blockOutChannels, that.blockOutChannels)
                && inChannels == that.inChannels && outChannels == that.outChannels
                && latentChannels == that.latentChannels && layersPerBlock == that.layersPerBlock
                && normNumGroups == that.normNumGroups && scalingFactor == that.scalingFactor
                && spatialCompressionRatio == that.spatialCompressionRatio
                && temporalCompressionRatio == that.temporalCompressionRatio
                && midBlockAddAttention == that.midBlockAddAttention;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(blockOutChannels) + Double.hashCode(scalingFactor) + layersPerBlock;
    }

    @Override
    public String toString() {
        return "VaeConfig[blockOutChannels=" + Arrays.toString(blockOutChannels) + ", layersPerBlock="
                + layersPerBlock + ", normNumGroups=" + normNumGroups + ", latentChannels=" + latentChannels
                + ", scalingFactor=" + scalingFactor + "]";
    }
}
