package io.framepack.clustersim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Simulated time for tests that drive the cluster step by step: every reading is one second after
 * the one before (so each object's timestamps are distinct and ordered), and {@link #advance}
 * jumps ahead (past a deadline, a TTL) without waiting.
 */
public final class SteppingClock extends Clock {
    private Instant now;

    public SteppingClock(Instant start) {
        this.now = start;
    }

    public synchronized void advance(Duration duration) {
        now = now.plus(duration);
    }

    @Override
    public synchronized Instant instant() {
        now = now.plusSeconds(1);
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("simulated time is UTC");
    }
}
