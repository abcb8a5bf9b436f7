package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where the video to extend comes from (an MP4): exactly one of the fields, the sources of
 * {@link ImageSource} but inline (a video does not fit a resource).
 */
@ValidationRule(value = "(has(self.url) ? 1 : 0) + (has(self.pvc) ? 1 : 0) + (has(self.s3) ? 1 : 0) == 1",
        message = "spec.input.video needs exactly one of url, pvc or s3")
public class VideoSource {
    /** An http(s) URL the worker downloads (not shown in messages: it may carry a token). */
    @Size(max = Formats.URL_MAX)
    @ValidationRule(value = Formats.IS_HTTP_URL, message = "spec.input.video.url " + Formats.HTTP_URL_ALLOWED)
    public String url;
    /** A file inside a PersistentVolumeClaim. */
    @ValidationRule(value = "has(self.path) && self.path.size() > 0", message = "spec.input.video.pvc.path must name the MP4 file")
    public PvcLocation pvc;
    /** An S3 object; {@code prefix} holds the full key. */
    @ValidationRule(value = "has(self.prefix) && self.prefix.size() > 0", message = "spec.input.video.s3.prefix must hold the object key")
    public S3Location s3;
}
