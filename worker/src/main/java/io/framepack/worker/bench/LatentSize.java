package io.framepack.worker.bench;

/** A latent frame size, height × width (pixels / 8): 80x76 is 640×608 pixels. */
public record LatentSize(int height, int width) {

    /** Parses {@code HxW}. */
    public static LatentSize parse(String text) {
        String[] parts = text.split("x");
        try {
            if (parts.length == 2) {
                LatentSize size = new LatentSize(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
                if (size.height > 0 && size.width > 0) {
                    return size;
                }
            }
        } catch (NumberFormatException e) {
            // reported below with the expected form
        }
        throw new IllegalArgumentException("expected a latent size HxW such as 80x76, got '" + text + "'");
    }
}
