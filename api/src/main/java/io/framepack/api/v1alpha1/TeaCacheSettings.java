package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** TeaCache step skipping: reuses the transformer's last residual while inputs change little. */
public class TeaCacheSettings {
    public static final int MAX_THRESHOLD = 1;

    @Default("true")
    public Boolean enabled = true;
    /** Accumulated relative change above which a step is computed again. */
    @Default("0.15")
    @Min(value = 0, inclusive = false)
    @Max(MAX_THRESHOLD)
    public Double threshold = 0.15;
}
