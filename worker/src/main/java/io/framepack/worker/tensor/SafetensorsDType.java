package io.framepack.worker.tensor;

import java.nio.file.Path;

/** Element types a safetensors header may name, with their sizes in bytes. */
public enum SafetensorsDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    public final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    static SafetensorsDType parse(Path path, String tensor, String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new TensorFormatException(path + ": tensor " + tensor + " has unsupported dtype '" + name + "'");
        }
    }
}
