package io.framepack.worker.runtime.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** File equality that says where two files part, with the text around it (x264 writes its options there). */
public final class SameBytes {
    private SameBytes() {
    }

    public static void assertSameFile(Path expectedFile, Path actualFile) throws IOException {
        byte[] expected = Files.readAllBytes(expectedFile);
        byte[] actual = Files.readAllBytes(actualFile);
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            throw new AssertionError(actualFile + " (" + actual.length + " bytes) differs from "
                    + expectedFile + " (" + expected.length + " bytes) first at offset " + at
                    + ":\n  expected ..." + printable(expected, at) + "\n  actual   ..." + printable(actual, at));
        }
    }

    private static String printable(byte[] bytes, int at) {
        StringBuilder text = new StringBuilder();
        for (int i = Math.max(0, at - 40); i < Math.min(bytes.length, at + 80); i++) {
            int b = bytes[i] & 0xFF;
            text.append(b >= 32 && b < 127 ? (char) b : '.');
        }
        return text.toString();
    }
}
