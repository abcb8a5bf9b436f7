package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the start image comes from: exactly one of the fields is set. */
@ValidationRule(value = "(has(self.url) ? 1 : 0) + (has(self.pvc) ? 1 : 0) + (has(self.s3) ? 1 : 0)"
        + " + (has(self.inline) ? 1 : 0) == 1",
        message = "image needs exactly one of url, pvc, s3 or inline")
public class ImageSource {
    public static final String HTTP_URL = "^https?://.+";
    public static final String BASE64 = "^[A-Za-z0-9+/]+={0,2}$";

    /** An http(s) URL the worker downloads. */
    @Pattern(HTTP_URL)
    @Size(max = 2048)
    public String url;
    /** A file inside a PersistentVolumeClaim. */
    @ValidationRule(value = "has(self.path) && self.path.size() > 0", message = "image.pvc.path must name the image file")
    public PvcLocation pvc;
    /** An S3 object; {@code prefix} holds the full key. */
    @ValidationRule(value = "has(self.prefix) && self.prefix.size() > 0", message = "image.s3.prefix must hold the object key")
    public S3Location s3;
    /** The image itself, base64-encoded (small images only: the resource is stored in etcd). */
    @Pattern(BASE64)
    @Size(max = 1048576)
    public String inline;
}
