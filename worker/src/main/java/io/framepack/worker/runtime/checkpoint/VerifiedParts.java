package io.framepack.worker.runtime.checkpoint;

import io.framepack.worker.runtime.storage.ObjectStore;
import io.framepack.worker.tensor.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Tensor parts in and out of a store, hashed on the way: a part is written with the SHA-256 its
 * manifest records, and read back only with the size and SHA-256 its manifest declares.
 */
final class VerifiedParts {
    private VerifiedParts() {
    }

    /** Writes {@code bits} as object {@code key}: part {@code block} (≥ 0 for a shared block) as the manifest will list it. */
    static Manifest.Part write(ObjectStore store, String key, StoredTensor bits, int block) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        try (ObjectStore.PendingObject pending = store.create(key)) {
            OutputStream hashed = new DigestOutputStream(pending.stream(), digest);
            WritableByteChannel channel = Channels.newChannel(hashed);
            ByteBuffer data = bits.data().duplicate();
            while (data.hasRemaining()) {
                channel.write(data);
            }
            hashed.flush();
            pending.commit();
        }
        return new Manifest.Part(key, bits.frames(), bits.byteSize(), HexFormat.of().formatHex(digest.digest()), block,
                null);
    }

    /** Part {@code part} of {@code tensor}, as its bits, from {@code store} (the one that holds it). */
    static StoredTensor read(ObjectStore store, Manifest.TensorParts tensor, Manifest.Part part)
            throws IOException, CorruptCheckpointException {
        long[] shape = tensor.shape().clone();
        if (shape.length > StoredTensor.TIME_AXIS) {
            shape[StoredTensor.TIME_AXIS] = part.frames();
        }
        return new StoredTensor(tensor.dtype(), shape, readVerified(store, part));
    }

    private static ByteBuffer readVerified(ObjectStore store, Manifest.Part part) throws IOException, CorruptCheckpointException {
        String file = part.key();
        long declared = part.bytes();
        if (declared > Integer.MAX_VALUE) {
            throw new CorruptCheckpointException(file + ": " + declared + " bytes exceed one buffer");
        }
        Optional<InputStream> opened = store.open(file);
        if (opened.isEmpty()) {
            throw new CorruptCheckpointException(file + " is missing");
        }
        ByteBuffer data = ByteBuffer.allocate((int) declared).order(ByteOrder.LITTLE_ENDIAN);
        MessageDigest digest = Sha256.newDigest();
        try (InputStream in = opened.get()) {
            byte[] chunk = new byte[1 << 20];
            int read;
            while ((read = in.read(chunk)) > 0) {
                if (read > data.remaining()) {
                    throw new CorruptCheckpointException(file + " is longer than its declared " + declared + " bytes");
                }
                data.put(chunk, 0, read);
                digest.update(chunk, 0, read);
            }
        }
        if (data.hasRemaining()) {
            throw new CorruptCheckpointException(file + " is truncated (" + data.position() + " of " + declared + " bytes)");
        }
        if (!HexFormat.of().formatHex(digest.digest()).equals(part.sha256())) {
            throw new CorruptCheckpointException(file + " fails its SHA-256 check");
        }
        return data.flip();
    }
}
