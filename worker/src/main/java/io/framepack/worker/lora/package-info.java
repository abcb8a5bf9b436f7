/**
 * LoRA adapters for the FramePack transformer: reading the two layouts people share (diffusers/PEFT
 * {@code transformer.<module>.lora_A/lora_B.weight}, kohya/musubi-tuner {@code lora_unet_<module>.
 * lora_down/lora_up.weight} with {@code .alpha}) and merging them into the base weights as the
 * references do ({@link LoraMerge}). Self-contained: it takes weight tensors and gives weight tensors.
 */
package io.framepack.worker.lora;
