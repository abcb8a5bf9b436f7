package io.framepack.worker.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** What a command prints to standard output, and its exit code. */
record StandardOutput(int exitCode, String text) {

    static StandardOutput of(IntSupplier command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = command.getAsInt();
        } finally {
            System.setOut(original);
        }
        return new StandardOutput(code, out.toString(StandardCharsets.UTF_8));
    }
}
