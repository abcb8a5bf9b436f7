package io.framepack.worker.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A cheap identity of a model directory, for checkpoints: SHA-256 over every file's relative
 * path, size, and first and last MiB. Hashing all 30 GB of weights at every start would cost
 * minutes; the sampled bytes (safetensors headers and weights at both ends) still tell two
 * checkpoints of the same architecture apart, e.g. FramePack and FramePack-F1.
 */
public final class ModelFingerprint {
    private static final int SAMPLE = 1 << 20;

    private ModelFingerprint() {
    }

    public static String of(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new InvalidInputException(InvalidInputException.MODEL, "model directory " + modelDir + " does not exist");
        }
        MessageDigest digest = sha256();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(modelDir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            long size = Files.size(file);
            digest.update((modelDir.relativize(file) + "\n" + size + "\n").getBytes(StandardCharsets.UTF_8));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                digest.update(read(channel, 0, (int) Math.min(SAMPLE, size)));
                if (size > SAMPLE) {
                    long tail = Math.max(SAMPLE, size - SAMPLE);
                    digest.update(read(channel, tail, (int) (size - tail)));
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) >= 0) {
            // read until full
        }
        return buffer.flip();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
