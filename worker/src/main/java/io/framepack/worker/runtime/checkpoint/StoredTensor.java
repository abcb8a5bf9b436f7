package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.OwnedArrays;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor's exact bits outside any engine: element type, shape and little-endian bytes.
 * Checkpoints hold tensors in this form so that saving and verifying need no native library.
 * Tensors of rank three or more have frames along {@link #TIME_AXIS}; one buffer holds at most
 * 2 GiB, so a long video travels as several of them (see {@link FrameTensor}).
 */
public record StoredTensor(DataType dtype, long[] shape, ByteBuffer data) {
    public static final int TIME_AXIS = 2;

    public StoredTensor {
        long expected = byteSize(dtype, shape);
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

    /** Frames along the time axis; a tensor of lower rank counts as one frame. */
    public int frames() {
        return frames(shape);
    }

    /** Frames along the time axis of a tensor of {@code shape}; one below rank three. */
    static int frames(long[] shape) {
        return shape.length > TIME_AXIS ? Math.toIntExact(shape[TIME_AXIS]) : 1;
    }

    /** Bytes of a tensor of {@code dtype} and {@code shape}. */
    static long byteSize(DataType dtype, long[] shape) {
        return Math.multiplyExact(elementCount(shape), (long) dtype.getNumOfBytes());
    }

    /**
     * Frames {@code [from, to)} of consecutive {@code parts} (joined along the time axis, equal in
     * type and in every other dimension) as one tensor.
     */
    public static StoredTensor framesOf(List<StoredTensor> parts, int from, int to) {
        StoredTensor first = parts.get(0);
        if (first.shape.length <= TIME_AXIS) {
            if (parts.size() != 1 || from != 0 || to != 1) {
                throw new IllegalArgumentException("a tensor of rank " + first.shape.length + " has no frames to select");
            }
            return first;
        }
        long outer = first.shape[0] * first.shape[1];
        long frameBytes = first.byteSize() / (outer * first.shape[TIME_AXIS]);
        long[] shape = first.shape.clone();
        shape[TIME_AXIS] = to - from;
        long size = Math.multiplyExact(outer * (to - from), frameBytes);
        if (from < 0 || to < from || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot select frames [" + from + ", " + to + ") as one buffer of "
                    + size + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        int partStart = 0;
        for (StoredTensor part : parts) {
            int partFrames = part.frames();
            int start = Math.max(from, partStart);
            int end = Math.min(to, partStart + partFrames);
            ByteBuffer source = part.data.slice();
            for (long o = 0; start < end && o < outer; o++) {
                int at = (int) ((o * partFrames + start - partStart) * frameBytes);
                out.put((int) ((o * (to - from) + start - from) * frameBytes), source, at, (int) ((end - start) * frameBytes));
            }
            partStart += partFrames;
        }
        if (partStart < to) {
            throw new IllegalArgumentException("frames [" + from + ", " + to + ") of parts holding " + partStart);
        }
        return new StoredTensor(first.dtype, shape, out);
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
