package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/**
 * Turns safetensors bytes into DJL arrays. bfloat16 is widened to float32 here, in Java: DJL 0.36
 * aborts the JVM when asked to create a bfloat16 array, and the widening is exact.
 */
public final class TensorDecoder {
    private TensorDecoder() {
    }

    /** The tensor as an array on the manager's device; bfloat16 comes back as float32. */
    public static NDArray decode(SafetensorsFile file, SafetensorsFile.Entry entry, NDManager manager) throws IOException {
        Shape shape = new Shape(entry.shape());
        ByteBuffer bytes = file.bytes(entry);
        if (entry.dtype() == SafetensorsDType.BF16) {
            return OwnedArrays.copyOf(widenBfloat16(bytes), shape, DataType.FLOAT32, manager);
        }
        return OwnedArrays.copyOf(bytes, shape, djlType(file, entry), manager);
    }

    /** float32 bit patterns of bfloat16 values: the bf16 bits are the high half of the float32. */
    static ByteBuffer widenBfloat16(ByteBuffer bf16) {
        ShortBuffer in = bf16.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 4).order(ByteOrder.nativeOrder());
        while (in.hasRemaining()) {
            out.putInt((in.get() & 0xFFFF) << 16);
        }
        return out.flip();
    }

    private static DataType djlType(SafetensorsFile file, SafetensorsFile.Entry entry) {
        return switch (entry.dtype()) {
            case F64 -> DataType.FLOAT64;
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case I64 -> DataType.INT64;
            case I32 -> DataType.INT32;
            case I8 -> DataType.INT8;
            case U8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
            case I16, BF16 -> throw new TensorFormatException(file.path() + ": tensor " + entry.name()
                    + " has dtype " + entry.dtype() + ", which the engine cannot hold");
        };
    }
}
