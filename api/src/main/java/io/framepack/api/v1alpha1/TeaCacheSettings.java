package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** TeaCache step skipping: reuses the transformer's last residual while inputs change little. */
public class TeaCacheSettings {
    @Default(RenderTable.DEFAULT_TEACACHE)
    public Boolean enabled = Boolean.valueOf(RenderTable.DEFAULT_TEACACHE);
    /** Accumulated relative change above which a step is computed again. */
    @Default(RenderTable.DEFAULT_TEACACHE_THRESHOLD)
    @Min(value = 0, inclusive = false)
    @Max(RenderTable.MAX_TEACACHE_THRESHOLD)
    public Double threshold = Double.valueOf(RenderTable.DEFAULT_TEACACHE_THRESHOLD);
}
