package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A path inside a PersistentVolumeClaim of the resource's namespace. */
@ValidationRule(value = "!has(self.path) || (!self.path.startsWith('/') && !self.path.matches('" + PvcLocation.PARENT_SEGMENT + "'))",
        message = "path must be relative to the volume root and must not contain '..'")
public class PvcLocation {
    /** A {@code ..} path segment (found anywhere in the path, not matched whole). */
    public static final String PARENT_SEGMENT = "(^|/)[.][.]($|/)";

    @Required
    @Size(min = 1, max = Formats.DNS_SUBDOMAIN_MAX)
    @ValidationRule(value = Formats.IS_DNS_SUBDOMAIN, messageExpression = Formats.SHOW_START + "claimName" + Formats.DNS_SUBDOMAIN_ALLOWED + Formats.SHOW_END)
    public String claimName;
    /** Path inside the volume; empty means its root. */
    @Size(max = Formats.PATH_MAX)
    public String path = "";
}
