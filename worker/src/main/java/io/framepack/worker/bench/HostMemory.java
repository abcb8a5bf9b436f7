package io.framepack.worker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The process's peak resident set, as Linux counts it (VmHWM in /proc/self/status). */
final class HostMemory {
    private HostMemory() {
    }

    /** Peak RSS in GiB with three decimals, or "-" where /proc does not tell. */
    static String peakRssGib() {
        try {
            String line = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmHWM:")).findFirst().orElse("");
            return String.format(Locale.ROOT, "%.3f", Long.parseLong(line.replaceAll("\\D+", "")) / (double) (1L << 20));
        } catch (IOException | NumberFormatException e) {
            return "-";
        }
    }

    /** Peak RSS as a report says it. */
    static String peakRss() {
        String gib = peakRssGib();
        return gib.equals("-") ? "unknown" : gib + " GiB peak RSS";
    }
}
