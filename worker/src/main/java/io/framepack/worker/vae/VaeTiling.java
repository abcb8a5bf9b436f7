package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.framepack.worker.tensor.Scratch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How diffusers' {@code AutoencoderKLHunyuanVideo} splits a decode or encode into pieces, and
 * blends them back: frame-wise in time (always on for decodes above 4 latent frames) and, when
 * {@link SpatialTiling} is on, in space. Tiles are taken, blended and cropped exactly as there:
 * each tile is cross-faded with its already blended neighbour above, then to the left, and
 * contributes its top-left stride. A spatial tile is blended as soon as it is decoded, so only the
 * row above stays alive, not every tile of the frame.
 */
final class VaeTiling {
    /** Latent frames per temporal tile beyond the first (the official 16 sample frames / 4). */
    static final int TILE_LATENT_FRAMES = 4;
    /** Latent frames between the starts of consecutive tiles (12 sample frames / 4). */
    static final int TILE_LATENT_STRIDE = 3;
    /** Pixel frames over which consecutive tiles are cross-faded (16 − 12). */
    static final int TILE_BLEND_FRAMES = 4;

    private static final int TIME = 2;
    private static final int HEIGHT = 3;
    private static final int WIDTH = 4;

    private final int ratio;
    private final int temporalRatio;
    private final SpatialTiling spatial;

    /** @param spatial the spatial tiles, or null for whole frames */
    VaeTiling(VaeConfig config, SpatialTiling spatial) {
        if (spatial != null) {
            spatial.checkFits(config);
        }
        this.ratio = config.spatialCompressionRatio();
        this.temporalRatio = config.temporalCompressionRatio();
        this.spatial = spatial;
    }

    /**
     * {@code vae.decode(z)} on unscaled latents with {@code decoder} the plain decode: more than
     * {@value #TILE_LATENT_FRAMES} frames go through the frame-wise temporal tiling (tiles of 5
     * latents every 3, the first pixel frame of every later tile dropped, 4-frame cross-fades,
     * 13 + 12 + 12 … frames kept), each tile tiled in space when that is on and it is larger than a tile.
     */
    NDArray decode(NDArray z, UnaryOperator<NDArray> decoder) {
        long latentFrames = z.getShape().get(TIME);
        if (latentFrames > TILE_LATENT_FRAMES) {
            return decodeFramewise(z, decoder);
        }
        // diffusers compares the width with the stride here (24 latents), the height with the tile.
        if (spatial != null && (z.getShape().get(WIDTH) > spatial.stride() / ratio
                || z.getShape().get(HEIGHT) > spatial.tile() / ratio)) {
            return decodeTiled(z, decoder);
        }
        return decoder.apply(z);
    }

    private NDArray decodeFramewise(NDArray z, UnaryOperator<NDArray> decoder) {
        long latentFrames = z.getShape().get(TIME);
        List<NDArray> tiles = new ArrayList<>();
        for (long start = 0; start < latentFrames; start += TILE_LATENT_STRIDE) {
            long end = Math.min(start + TILE_LATENT_FRAMES + 1, latentFrames);
            if (start > 0 && end - start == 1) {
                break; // decodes to one frame, which is dropped: it would add nothing
            }
            NDArray tile = z.get(along(TIME, start, end));
            NDArray decoded = largerThanATile(tile) ? decodeTiled(tile, decoder) : decoder.apply(tile);
            tiles.add(start == 0 ? decoded : Scratch.replace(decoded, decoded.get(along(TIME, 1, Long.MAX_VALUE))));
        }
        long keptPerTile = (long) TILE_LATENT_STRIDE * temporalRatio;
        List<NDArray> kept = new ArrayList<>();
        for (int i = 0; i < tiles.size(); i++) {
            if (i > 0) {
                // In place in the official code: a tile is blended before it serves as the next one's predecessor.
                tiles.set(i, fadeInto(tiles.get(i - 1), tiles.get(i), TIME, TILE_BLEND_FRAMES));
            }
            long keep = Math.min(i == 0 ? keptPerTile + 1 : keptPerTile, tiles.get(i).getShape().get(TIME));
            kept.add(tiles.get(i).get(along(TIME, 0, keep)));
        }
        long pixelFrames = (latentFrames - 1) * temporalRatio + 1;
        return NDArrays.concat(new NDList(kept), TIME).get(along(TIME, 0, pixelFrames));
    }

    private boolean largerThanATile(NDArray latents) {
        long side = spatial == null ? Long.MAX_VALUE : spatial.tile() / ratio;
        return latents.getShape().get(WIDTH) > side || latents.getShape().get(HEIGHT) > side;
    }

    /** diffusers' {@code tiled_decode}: latent tiles of tile/8 every stride/8, blended over tile − stride px. */
    private NDArray decodeTiled(NDArray z, UnaryOperator<NDArray> decoder) {
        long tile = spatial.tile() / ratio;
        long stride = spatial.stride() / ratio;
        return mosaic(z, tile, stride, spatial.stride(), spatial.tile() - spatial.stride(), decoder)
                .get(new NDIndex(":, :, :, :{}, :{}", z.getShape().get(HEIGHT) * ratio, z.getShape().get(WIDTH) * ratio));
    }

    /**
     * {@code vae._encode(x)}: the moments {@code [B, 32, T, H/8, W/8]} of pixels, with {@code encoder}
     * the plain encode; tiled when spatial tiling is on and a side exceeds the tile (diffusers'
     * {@code tiled_encode}: pixel tiles blended in latent space over (tile − stride)/8 latents).
     */
    NDArray encode(NDArray pixels, UnaryOperator<NDArray> encoder) {
        long height = pixels.getShape().get(HEIGHT);
        long width = pixels.getShape().get(WIDTH);
        if (spatial == null || (width <= spatial.tile() && height <= spatial.tile())) {
            return encoder.apply(pixels);
        }
        long keep = spatial.stride() / ratio;
        return mosaic(pixels, spatial.tile(), spatial.stride(), keep, spatial.tile() / ratio - keep, encoder).get(new NDIndex(":, :, :, :{}, :{}", height / ratio, width / ratio));
    }

    /**
     * Tiles of {@code tile} taken every {@code stride} over the input's last two axes, each
     * transformed, blended with its (already blended) neighbours above and to the left over
     * {@code blend}, and cut to its top-left {@code keep}; the pieces joined in place. Each tile is
     * freed once the row below has used it.
     */
    private static NDArray mosaic(NDArray input, long tile, long stride, long keep, long blend,
                                  UnaryOperator<NDArray> transform) {
        long height = input.getShape().get(HEIGHT);
        long width = input.getShape().get(WIDTH);
        List<NDArray> above = List.of();
        NDList rows = new NDList();
        for (long y = 0; y < height; y += stride) {
            List<NDArray> row = new ArrayList<>();
            NDList pieces = new NDList();
            for (long x = 0; x < width; x += stride) {
                NDArray region = input.get(new NDIndex(":, :, :, {}:{}, {}:{}", y, y + tile, x, x + tile));
                NDArray piece = Scratch.replace(region, transform.apply(region));
                if (!above.isEmpty()) {
                    piece = fadeInto(above.get(row.size()), piece, HEIGHT, blend);
                }
                if (!row.isEmpty()) {
                    piece = fadeInto(row.get(row.size() - 1), piece, WIDTH, blend);
                }
                row.add(piece);
                pieces.add(piece.get(new NDIndex(":, :, :, :{}, :{}", keep, keep)));
            }
            rows.add(joined(pieces, WIDTH));
            above.forEach(NDArray::close);
            above = row;
        }
        above.forEach(NDArray::close);
        return joined(rows, HEIGHT);
    }

    /** {@link #crossFade} that frees {@code next} and the fade's temporaries. */
    private static NDArray fadeInto(NDArray prev, NDArray next, int axis, long maxExtent) {
        return Scratch.replace(next, Scratch.keep(() -> crossFade(prev, next, axis, maxExtent), next, prev));
    }

    /** The concatenation; the parts (views that would keep whole tiles alive) are freed. */
    private static NDArray joined(NDList parts, int axis) {
        NDArray whole = NDArrays.concat(parts, axis);
        parts.close();
        return whole;
    }

    /**
     * {@code next}'s first E slices along {@code axis} become {@code prev[−E + k]·(1 − k/E) + next[k]·(k/E)},
     * with E the smallest of {@code maxExtent} and both lengths (diffusers' {@code blend_t/v/h}).
     */
    private static NDArray crossFade(NDArray prev, NDArray next, int axis, long maxExtent) {
        long prevLength = prev.getShape().get(axis);
        long extent = Math.min(Math.min(prevLength, next.getShape().get(axis)), maxExtent);
        NDList slices = new NDList();
        for (long k = 0; k < extent; k++) {
            double weight = (double) k / extent;
            NDArray older = prev.get(along(axis, prevLength - extent + k, prevLength - extent + k + 1));
            NDArray newer = next.get(along(axis, k, k + 1));
            slices.add(older.mul((float) (1 - weight)).add(newer.mul((float) weight)));
        }
        slices.add(next.get(along(axis, extent, Long.MAX_VALUE)));
        return NDArrays.concat(slices, axis);
    }

    /** {@code [from, to)} along {@code axis} of a 5-D array, everything along the others. */
    private static NDIndex along(int axis, long from, long to) {
        return new NDIndex(":, ".repeat(axis) + (to == Long.MAX_VALUE ? "{}:" : "{}:{}"),
                to == Long.MAX_VALUE ? new Object[] {from} : new Object[] {from, to});
    }
}
