package io.framepack.worker.cli;

import io.framepack.worker.runtime.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reads of user-named files and streams that stop at a size limit instead of filling the heap, and files at a deadline. */
final class BoundedReads {
    private BoundedReads() {
    }

    /** How long a file may take: a stalled network volume or a pipe nobody writes must not hang the worker. */
    static final Duration FILE_DEADLINE = Duration.ofMinutes(2);

    static byte[] file(Path file, String what, long maxBytes) throws IOException {
        return file(file, what, maxBytes, FILE_DEADLINE);
    }

    /**
     * A file's bytes, refused by its size before reading when it has one, else by the bytes read (a
     * device, a pipe), and abandoned past the deadline (the blocked reader thread is left behind).
     */
    static byte[] file(Path file, String what, long maxBytes, Duration deadline) throws IOException {
        return withDeadline(what + " " + file, deadline, () -> readFile(file, what, maxBytes));
    }

    /**
     * What {@code read} returns, on a thread of its own, abandoned past the deadline (the blocked
     * reader thread is left behind): for reads whose own timeouts do not bound the whole (a pipe,
     * a network volume, an object store trickling its body).
     */
    static <T> T withDeadline(String what, Duration deadline, Callable<T> reading) throws IOException {
        FutureTask<T> read = new FutureTask<>(reading);
        Thread reader = new Thread(read, "read " + what);
        reader.setDaemon(true);
        reader.start();
        try {
            return read.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            reader.interrupt();
            throw new IOException("cannot read " + what + ": not done within " + deadline.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    private static byte[] readFile(Path file, String what, long maxBytes) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(InvalidInputException.INPUT, what + " " + file + " is a directory");
        }
        try {
            if (Files.isRegularFile(file) && Files.size(file) > maxBytes) {
                throw tooLarge(what + " " + file, maxBytes);
            }
            try (InputStream in = Files.newInputStream(file)) {
                return atMost(in, maxBytes, what + " " + file);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, what + " " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, "cannot read " + what + " " + file + ": permission denied");
        } catch (IOException e) {
            throw new IOException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** All of a stream, or an error once it passes {@code maxBytes}. */
    static byte[] atMost(InputStream in, long maxBytes, String what) throws IOException {
        byte[] bytes = in.readNBytes(Math.toIntExact(maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw tooLarge(what, maxBytes);
        }
        return bytes;
    }

    static InvalidInputException tooLarge(String what, long maxBytes) {
        return new InvalidInputException(InvalidInputException.INPUT, what + " is larger than the limit of " + maxBytes
                + " bytes (" + (maxBytes >> 20) + " MiB)");
    }
}
