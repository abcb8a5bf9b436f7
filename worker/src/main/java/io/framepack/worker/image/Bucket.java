package io.framepack.worker.image;

import java.util.List;

/**
 * A generation size of the official 640 bucket table ({@code diffusers_helper/bucket_tools.py}):
 * every entry is a multiple of 32 with about 640² pixels.
 */
public record Bucket(int height, int width) {

    private static final List<Bucket> TABLE_640 = List.of(
            new Bucket(416, 960), new Bucket(448, 864), new Bucket(480, 832), new Bucket(512, 768),
            new Bucket(544, 704), new Bucket(576, 672), new Bucket(608, 640), new Bucket(640, 608),
            new Bucket(672, 576), new Bucket(704, 544), new Bucket(768, 512), new Bucket(832, 480),
            new Bucket(864, 448), new Bucket(960, 416));

    /**
     * The bucket whose aspect ratio is closest to {@code height × width}, scored in integers by
     * {@code |h·W − w·H|}. Ties go to the later entry (the official loop compares with {@code <=}),
     * so a square input gets 640 × 608.
     */
    public static Bucket nearest(int height, int width) {
        Bucket best = null;
        long bestScore = Long.MAX_VALUE;
        for (Bucket bucket : TABLE_640) {
            long score = Math.abs((long) height * bucket.width - (long) width * bucket.height);
            if (score <= bestScore) {
                bestScore = score;
                best = bucket;
            }
        }
        return best;
    }
}
