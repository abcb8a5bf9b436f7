package io.framepack.api.v1alpha1;

/** TeaCache step skipping: reuses the transformer's last residual while inputs change little. */
public class TeaCacheSettings {
    public Boolean enabled = true;
    /** Accumulated relative change above which a step is computed again. */
    public Double threshold = 0.15;
}
