package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Where an image (the start image, the end image) comes from: exactly one of the fields is set. */
@ValidationRule(value = "(has(self.url) ? 1 : 0) + (has(self.pvc) ? 1 : 0) + (has(self.s3) ? 1 : 0)"
        + " + (has(self.inline) ? 1 : 0) == 1",
        message = "an image needs exactly one of url, pvc, s3 or inline")
public class ImageSource {
    /** An http(s) URL the worker downloads (not shown in messages: it may carry a token). */
    @Size(max = Formats.URL_MAX)
    @ValidationRule(value = Formats.IS_HTTP_URL, message = "the image url " + Formats.HTTP_URL_ALLOWED)
    public String url;
    /** A file inside a PersistentVolumeClaim. */
    @ValidationRule(value = "has(self.path) && self.path.size() > 0", message = "the image pvc.path must name the image file")
    public PvcLocation pvc;
    /** An S3 object; {@code prefix} holds the full key. */
    @ValidationRule(value = "has(self.prefix) && self.prefix.size() > 0", message = "the image s3.prefix must hold the object key")
    public S3Location s3;
    /** The image itself, base64-encoded (small images only: it travels in the resource and a ConfigMap). */
    @Size(min = 4, max = Formats.INLINE_IMAGE_MAX)
    @ValidationRule(value = "self.size() % 4 == 0 && self.matches(r'" + Formats.BASE64 + "')",
            message = "the image inline must be standard base64 with padding (letters, digits, '+', '/', '=';"
                    + " a multiple of 4 characters), at most " + Formats.INLINE_IMAGE_MAX + " characters")
    public String inline;
}
