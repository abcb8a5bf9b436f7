package io.framepack.worker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The process's resident set, as Linux counts it in /proc/self/status (VmHWM: peak, VmRSS: now). */
final class HostMemory {
    private HostMemory() {
    }

    /** Peak RSS in GiB with three decimals, or "-" where /proc does not tell. */
    static String peakRssGib() {
        return statusGib("VmHWM:");
    }

    /** RSS now in GiB with three decimals, or "-" where /proc does not tell. */
    static String rssGib() {
        return statusGib("VmRSS:");
    }

    /** Peak RSS as a report says it. */
    static String peakRss() {
        String gib = peakRssGib();
        return gib.equals("-") ? "unknown" : gib + " GiB peak RSS";
    }

    private static String statusGib(String field) {
        try {
            String line = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith(field)).findFirst().orElse("");
            return String.format(Locale.ROOT, "%.3f", Long.parseLong(line.replaceAll("\\D+", "")) / (double) (1L << 20));
        } catch (IOException | NumberFormatException e) {
            return "-";
        }
    }
}
