package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * An earlier render this one re-rolls ({@code spec.from}): the new render starts from that
 * render's checkpoint after {@code section} finished sections (counted as its
 * {@code status.sectionsCompleted} counts them: 1 is after the first) and renders the rest with
 * its own seed and prompts, sharing the earlier render's stored frames.
 */
public class RerollSource {
    /** A VideoGeneration in the same namespace. */
    @Required
    @Size(min = 1, max = Formats.DNS_SUBDOMAIN_MAX)
    @ValidationRule(value = Formats.IS_DNS_SUBDOMAIN, messageExpression = Formats.SHOW_START + "spec.from.name"
            + Formats.DNS_SUBDOMAIN_ALLOWED + Formats.SHOW_END)
    public String name;

    /** Finished sections of that render kept; at least 1, fewer than its sections. */
    @Required
    @Min(1)
    @Max(Formats.INT_MAX)
    public Integer section;
}
