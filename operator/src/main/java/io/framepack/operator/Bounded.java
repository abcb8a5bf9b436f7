package io.framepack.operator;

import io.framepack.api.v1alpha1.Formats;

/**
 * Limits on what others write (the worker's report, pod and Job messages) before it is copied
 * into the status or an Event: the status must stay far below etcd's object limit, and a value
 * outside the CRD's bounds would make the API server refuse the whole status.
 */
final class Bounded {
    /** Longest message kept in the status, a condition, an attempt record or an Event. */
    static final int MESSAGE = 1024;
    /** Longest worker-written location or timestamp kept. */
    static final int SHORT_TEXT = 256;
    /** More sections than the longest video the CRD admits (120 s at latentWindowSize 1: 900). */
    static final int SECTIONS = 1000;

    private Bounded() {
    }

    static String text(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    /** The count if it lies in 0..max, else null (not known). */
    static Integer count(Integer value, int max) {
        return value == null || value < 0 || value > max ? null : value;
    }

    static Integer count(Integer value) {
        return count(value, Formats.INT_MAX);
    }

    static Long bytes(Long value) {
        return value == null || value < 0 || value > Formats.BYTES_MAX ? null : value;
    }
}
