package io.framepack.worker.runtime;

import sun.misc.Signal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM (and Ctrl-C) as a request to stop at the next safe point rather than at once. If the
 * render has not stopped by shortly before the grace period ends (Kubernetes sends SIGKILL then),
 * the process exits by itself with the terminated code: every checkpoint write is atomic, so
 * nothing is left half-written either way.
 */
public final class Termination {

    /** Thrown at a safe point once a stop was requested. */
    public static final class StopRequested extends RuntimeException {
        public StopRequested(String signal) {
            super("stopped on " + signal);
        }
    }

    private final AtomicBoolean requested = new AtomicBoolean();
    private volatile String signal;

    private Termination() {
    }

    /** A termination that only {@link #request} triggers (tests, embedding). */
    public static Termination manual() {
        return new Termination();
    }

    /**
     * Installs handlers for SIGTERM and SIGINT.
     *
     * @param grace        time from the signal to the forced exit's deadline
     * @param onForcedExit runs just before a forced exit (a last progress report); must be quick
     */
    public static Termination install(Duration grace, int exitCode, Runnable onForcedExit) {
        Termination termination = new Termination();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> {
                if (termination.request("SIG" + name)) {
                    termination.armForcedExit(grace, exitCode, onForcedExit);
                }
            });
        }
        return termination;
    }

    /** @return whether this was the first request */
    public boolean request(String signal) {
        this.signal = signal;
        return requested.compareAndSet(false, true);
    }

    /** A safe point: throws {@link StopRequested} if a stop was asked for. */
    public void checkpoint() {
        if (requested.get()) {
            throw new StopRequested(signal);
        }
    }

    private void armForcedExit(Duration grace, int exitCode, Runnable onForcedExit) {
        // Leave a margin before the SIGKILL for the last report and the JVM's exit.
        long margin = Math.min(3_000, grace.toMillis() / 5);
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(Math.max(0, grace.toMillis() - margin));
            } catch (InterruptedException e) {
                return;
            }
            try {
                onForcedExit.run();
            } finally {
                Runtime.getRuntime().halt(exitCode);
            }
        }, "termination-deadline");
        timer.setDaemon(true);
        timer.start();
    }
}
