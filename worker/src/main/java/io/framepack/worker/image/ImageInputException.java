package io.framepack.worker.image;

/** An input image the worker refuses, with the reason as a category a user can act on. */
public final class ImageInputException extends Exception {

    public enum Reason {
        /** Zero bytes. */
        EMPTY,
        /** Not an image at all (text, archive, …). */
        NOT_AN_IMAGE,
        /** An image format other than PNG, JPEG or WebP. */
        UNSUPPORTED_FORMAT,
        /** A PNG/JPEG/WebP whose data is damaged or cut short. */
        CORRUPT,
        /** Dimensions above the pixel budget (decompression-bomb guard), checked before decoding. */
        TOO_LARGE
    }

    private final Reason reason;

    public ImageInputException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ImageInputException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
