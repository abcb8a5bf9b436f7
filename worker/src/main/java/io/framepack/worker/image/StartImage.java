package io.framepack.worker.image;

/**
 * The official start-image preparation ({@code diffusers_helper/utils.py:resize_and_center_crop}):
 * scale so the image covers the bucket, resize with Pillow's LANCZOS, cut the centre. The result
 * is the {@code input_image_np} that both the VAE and SigLIP see.
 */
public final class StartImage {
    private StartImage() {
    }

    /** The image in its nearest 640 bucket. */
    public static RgbImage toBucket(RgbImage image) {
        Bucket bucket = Bucket.nearest(image.height(), image.width());
        return resizeAndCenterCrop(image, bucket.width(), bucket.height());
    }

    public static RgbImage resizeAndCenterCrop(RgbImage image, int targetWidth, int targetHeight) {
        if (image.width() == targetWidth && image.height() == targetHeight) {
            return image;
        }
        double scale = Math.max((double) targetWidth / image.width(), (double) targetHeight / image.height());
        // Python's round() is half-to-even, like Math.rint.
        int resizedWidth = (int) Math.rint(image.width() * scale);
        int resizedHeight = (int) Math.rint(image.height() * scale);
        RgbImage resized = PillowResampler.resize(image, resizedWidth, resizedHeight,
                PillowResampler.Filter.LANCZOS);
        // Pillow's crop rounds each box coordinate half-to-even; the box is (w1 ± W) / 2.
        int left = (int) Math.rint((resizedWidth - targetWidth) / 2.0);
        int top = (int) Math.rint((resizedHeight - targetHeight) / 2.0);
        int right = (int) Math.rint((resizedWidth + targetWidth) / 2.0);
        int bottom = (int) Math.rint((resizedHeight + targetHeight) / 2.0);
        return resized.crop(left, top, right - left, bottom - top);
    }
}
