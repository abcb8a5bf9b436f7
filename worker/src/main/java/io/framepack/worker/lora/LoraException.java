package io.framepack.worker.lora;

/** A LoRA file this worker refuses, naming the first key at fault. */
public final class LoraException extends IllegalArgumentException {
    LoraException(String message) {
        super(message);
    }
}
