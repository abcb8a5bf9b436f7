package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** An S3-compatible bucket and key prefix, with credentials from a Secret. */
public class S3Location {
    @Required
    @Size(max = 63)
    @ValidationRule(value = "self.matches(r'" + Formats.BUCKET_NAME + "')",
            messageExpression = Formats.SHOW_START + "bucket must be an S3 bucket name: 3 to 63 lower-case letters, digits,"
                    + " '.' and '-', starting and ending with a letter or digit" + Formats.SHOW_END)
    public String bucket;
    /** Object key prefix (for an input image: the whole key). */
    @Size(max = Formats.KEY_MAX)
    public String prefix = "";
    /** Endpoint URL for S3-compatible stores (MinIO, Ceph); empty means AWS. */
    @Size(max = Formats.URL_MAX)
    @ValidationRule(value = Formats.IS_HTTP_URL, message = "endpoint " + Formats.HTTP_URL_ALLOWED)
    public String endpoint;
    @Default("us-east-1")
    @Size(max = Formats.REGION_MAX)
    public String region = "us-east-1";
    @Default("false")
    public Boolean pathStyle = false;
    /** Secret with keys {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}; absent means ambient credentials. */
    @Size(max = Formats.DNS_SUBDOMAIN_MAX)
    @ValidationRule(value = Formats.IS_DNS_SUBDOMAIN,
            messageExpression = Formats.SHOW_START + "credentialsSecret" + Formats.DNS_SUBDOMAIN_ALLOWED + Formats.SHOW_END)
    public String credentialsSecret;
}
