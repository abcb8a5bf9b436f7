package io.framepack.operator;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket of Events per resource: a burst, then one per refill interval. A resource whose
 * worker or Job changes faster than people can read (or the API server should store) is told in
 * fewer Events; its status still says everything.
 */
final class EventBudget {
    static final int BURST = 30;
    static final Duration REFILL = Duration.ofSeconds(10);
    /** Buckets kept before full ones (resources quiet for a while) are forgotten. */
    private static final int TRACKED = 10_000;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private record Bucket(double tokens, Instant at) {
        Bucket refilled(Instant now) {
            double gained = Math.max(0, Duration.between(at, now).toMillis()) / (double) REFILL.toMillis();
            return new Bucket(Math.min(BURST, tokens + gained), now);
        }
    }

    /** Whether the resource may have one more Event now (and if so, that Event is counted). */
    boolean take(String resourceUid, Instant now) {
        if (buckets.size() > TRACKED) {
            buckets.entrySet().removeIf(e -> e.getValue().refilled(now).tokens() >= BURST);
        }
        boolean[] granted = new boolean[1];
        buckets.compute(resourceUid, (uid, bucket) -> {
            Bucket current = bucket == null ? new Bucket(BURST, now) : bucket.refilled(now);
            granted[0] = current.tokens() >= 1;
            return granted[0] ? new Bucket(current.tokens() - 1, now) : current;
        });
        return granted[0];
    }
}
