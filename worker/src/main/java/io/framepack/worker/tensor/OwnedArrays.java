package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Arrays made from Java bytes that own their memory. DJL's PyTorch engine wraps a direct buffer
 * without copying it and keeps the buffer alive only through the array object it returns; a view
 * of that array (a slice, a reshape) shares the memory but not the reference, so once the first
 * array is closed or collected the view reads freed memory. A clone owned by libtorch has no
 * such tie, and a read-only file mapping is never written through it.
 */
public final class OwnedArrays {
    private OwnedArrays() {
    }

    /** A libtorch-owned array with the little-endian {@code bytes} as its contents. */
    public static NDArray copyOf(ByteBuffer bytes, Shape shape, DataType type, NDManager manager) {
        ByteBuffer direct = bytes;
        if (!bytes.isDirect()) {
            direct = ByteBuffer.allocateDirect(bytes.remaining()).order(ByteOrder.nativeOrder());
            direct.put(bytes.duplicate()).flip();
        }
        try (NDArray wrapped = manager.create(direct.duplicate().order(ByteOrder.nativeOrder()), shape, type)) {
            return wrapped.duplicate();
        }
    }
}
