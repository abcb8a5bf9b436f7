/**
 * The start image: decoding (PNG, JPEG, WebP; EXIF orientation; Pillow's {@code convert('RGB')};
 * typed refusals of bad input), the 640 bucket table, Pillow-exact LANCZOS resize and centre crop,
 * SigLIP preprocessing and the SigLIP vision tower's {@code last_hidden_state}.
 */
package io.framepack.worker.image;
