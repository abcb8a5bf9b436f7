package io.framepack.api.v1alpha1;

/** An S3-compatible bucket and key prefix, with credentials from a Secret. */
public class S3Location {
    public String bucket;
    /** Object key prefix (for an input image: the whole key). */
    public String prefix = "";
    /** Endpoint URL for S3-compatible stores (MinIO, Ceph); empty means AWS. */
    public String endpoint;
    public String region = "us-east-1";
    public Boolean pathStyle = false;
    /** Secret with keys {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}. */
    public String credentialsSecret;
}
