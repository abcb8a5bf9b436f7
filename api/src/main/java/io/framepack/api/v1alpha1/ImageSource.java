package io.framepack.api.v1alpha1;

/** Where the start image comes from: exactly one of the fields is set. */
public class ImageSource {
    /** An http(s) URL the worker downloads. */
    public String url;
    /** A file inside a PersistentVolumeClaim. */
    public PvcLocation pvc;
    /** An S3 object; {@code prefix} holds the full key. */
    public S3Location s3;
    /** The image itself, base64-encoded (small images only: the resource is stored in etcd). */
    public String inline;
}
