package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.OwnedArrays;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor's exact bits outside any engine: element type, shape and little-endian bytes.
 * Checkpoints hold tensors in this form so that saving and verifying need no native library.
 */
public record StoredTensor(DataType dtype, long[] shape, ByteBuffer data) {

    public StoredTensor {
        long expected = elementCount(shape) * dtype.getNumOfBytes();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of " + dtype + " " + Arrays.toString(shape) + " needs "
                    + expected + " bytes, got " + data.remaining());
        }
        data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the array's bits (brought to the CPU first). */
    public static StoredTensor of(NDArray array) {
        if (array.getDataType() == DataType.UNKNOWN || array.getDataType() == DataType.BFLOAT16) {
            // DJL 0.36 cannot read bfloat16 bits; the engine must hand over its float32 widening.
            throw new IllegalArgumentException("cannot checkpoint tensor '" + array.getName()
                    + "' of type " + array.getDataType() + ": convert it to float32 first");
        }
        ByteBuffer bytes = array.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN)).flip();
        return new StoredTensor(array.getDataType(), array.getShape().getShape(), copy);
    }

    /** The tensor as an array of the manager (on its device). */
    public NDArray toArray(NDManager manager) {
        return OwnedArrays.copyOf(data, new Shape(shape), dtype, manager);
    }

    public long byteSize() {
        return data.remaining();
    }

    static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }
}
