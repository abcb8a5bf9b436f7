package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** An S3-compatible bucket and key prefix, with credentials from a Secret. */
public class S3Location {
    public static final String BUCKET_NAME = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";

    @Required
    @Pattern(BUCKET_NAME)
    public String bucket;
    /** Object key prefix (for an input image: the whole key). */
    @Size(max = 1024)
    public String prefix = "";
    /** Endpoint URL for S3-compatible stores (MinIO, Ceph); empty means AWS. */
    @Pattern(ImageSource.HTTP_URL)
    public String endpoint;
    @Default("us-east-1")
    public String region = "us-east-1";
    @Default("false")
    public Boolean pathStyle = false;
    /** Secret with keys {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}; absent means ambient credentials. */
    @Pattern(PvcLocation.RESOURCE_NAME)
    public String credentialsSecret;
}
