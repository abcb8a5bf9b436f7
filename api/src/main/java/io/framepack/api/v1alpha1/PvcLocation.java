package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A path inside a PersistentVolumeClaim of the resource's namespace. */
@ValidationRule(value = "!has(self.path) || (!self.path.startsWith('/') && !self.path.matches('" + PvcLocation.PARENT_SEGMENT + "'))",
        message = "path must be relative to the volume root and must not contain '..'")
public class PvcLocation {
    /** A Kubernetes object name (DNS subdomain): claims, Secrets. */
    public static final String RESOURCE_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    /** A {@code ..} path segment (found anywhere in the path, not matched whole). */
    public static final String PARENT_SEGMENT = "(^|/)[.][.]($|/)";

    @Required
    @Pattern(RESOURCE_NAME)
    @Size(min = 1, max = 253)
    public String claimName;
    /** Path inside the volume; empty means its root. */
    @Size(max = 1024)
    public String path = "";
}
