package io.framepack.worker.runtime.cli;

import io.framepack.worker.runtime.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads of user-named files and streams that stop at a size limit instead of filling the heap. */
final class BoundedReads {
    private BoundedReads() {
    }

    /** A file's bytes, refused by its size before reading when it has one, else by the bytes read (a device, a pipe). */
    static byte[] file(Path file, String what, long maxBytes) throws IOException {
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
