package io.framepack.worker.runtime.progress;

import java.util.List;

/** Receives a render's events. Implementations never throw: reporting must not break a render. */
@FunctionalInterface
public interface ProgressListener {
    void on(ProgressEvent event);

    /** Every listener gets every event, in order. */
    static ProgressListener all(List<ProgressListener> listeners) {
        return event -> listeners.forEach(listener -> listener.on(event));
    }
}
