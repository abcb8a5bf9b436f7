package io.framepack.worker.cli;

import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.storage.S3Store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The LoRAs of a render as files: a mounted or local one as it is, an S3 one downloaded into
 * scratch, refused past {@link #MAX_BYTES} and abandoned past {@link #S3_DEADLINE}. Counts and
 * scales are bounded as the CRD bounds them.
 */
final class LoraSources {
    /** Above the largest HunyuanVideo LoRAs shared (rank 128 in float32: about 1.3 GB). */
    static final long MAX_BYTES = 4L << 30;
    /** For all of one LoRA's download: the SDK's timeouts bound each read, not the body. */
    static final Duration S3_DEADLINE = Duration.ofMinutes(20);

    private LoraSources() {
    }

    /** The job's LoRAs in order, S3 ones downloaded into {@code scratch}. */
    static List<RenderPlan.Lora> resolve(List<WorkerJob.Lora> loras, Path scratch) throws IOException {
        if (loras == null) {
            return List.of();
        }
        checkCount("loras", loras.size());
        List<RenderPlan.Lora> resolved = new ArrayList<>();
        for (int i = 0; i < loras.size(); i++) {
            WorkerJob.Lora lora = loras.get(i);
            String field = "loras[" + i + "]";
            if (lora == null || (lora.file == null) == (lora.s3 == null)) {
                throw new InvalidInputException(InvalidInputException.INPUT, field + " must give exactly one of file or s3");
            }
            Path file = lora.file != null ? Path.of(lora.file) : download(lora, i, scratch);
            resolved.add(scaled(field, file, lora.scale));
        }
        return List.copyOf(resolved);
    }

    /**
     * A command line's {@code FILE[:SCALE]}: the scale after the last ':' when it is a number
     * (default 1), so a path may hold ':' itself.
     */
    static RenderPlan.Lora parse(String option) {
        int colon = option.lastIndexOf(':');
        if (colon > 0) {
            try {
                double scale = Double.parseDouble(option.substring(colon + 1));
                return scaled("--lora " + option, Path.of(option.substring(0, colon)), scale);
            } catch (NumberFormatException e) {
                // No scale: the ':' belongs to the path.
            }
        }
        return scaled("--lora " + option, Path.of(option), 1.0);
    }

    static void checkCount(String field, int count) {
        if (count > Formats.LORAS_MAX) {
            throw new InvalidInputException(InvalidInputException.INPUT, field + ": at most " + Formats.LORAS_MAX
                    + " LoRAs, got " + count);
        }
    }

    private static RenderPlan.Lora scaled(String field, Path file, double scale) {
        if (!(Math.abs(scale) <= Formats.LORA_SCALE_MAX)) {
            throw new InvalidInputException(InvalidInputException.INPUT, field + ": the scale must be between -"
                    + Formats.LORA_SCALE_MAX + " and " + Formats.LORA_SCALE_MAX + ", got " + scale);
        }
        return new RenderPlan.Lora(file, scale);
    }

    private static Path download(WorkerJob.Lora lora, int index, Path scratch) throws IOException {
        String key = lora.s3.prefix;
        if (key == null || key.isEmpty()) {
            throw new InvalidInputException(InvalidInputException.INPUT, "loras[" + index + "].s3.prefix must hold the object key");
        }
        Path folder = Files.createDirectories(scratch.resolve("framepack-loras"));
        Path target = folder.resolve("lora-" + index + ".safetensors");
        String where = "LoRA s3://" + lora.s3.bucket + "/" + key;
        return BoundedReads.withDeadline(where, S3_DEADLINE, () -> {
            // The location's prefix is the LoRA's key: the store sits at the bucket's root.
            try (S3Store store = S3Store.connect(Stores.withPrefix(lora.s3, ""), scratch)) {
                Optional<Long> size = store.size(key);
                if (size.isEmpty()) {
                    throw new InvalidInputException(InvalidInputException.INPUT, where + " does not exist");
                }
                if (size.get() > MAX_BYTES) {
                    throw BoundedReads.tooLarge(where, MAX_BYTES);
                }
                Path partial = folder.resolve("lora-" + index + ".partial");
                try (InputStream in = store.open(key).orElseThrow(() -> new InvalidInputException(
                        InvalidInputException.INPUT, where + " does not exist"));
                     OutputStream out = Files.newOutputStream(partial)) {
                    copyAtMost(in, out, where);
                }
                return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
        });
    }

    /** The object may be longer than its size said (a store that lies): stop at the limit all the same. */
    private static void copyAtMost(InputStream in, OutputStream out, String where) throws IOException {
        byte[] buffer = new byte[1 << 20];
        long copied = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            copied += n;
            if (copied > MAX_BYTES) {
                throw BoundedReads.tooLarge(where, MAX_BYTES);
            }
            out.write(buffer, 0, n);
        }
    }
}
