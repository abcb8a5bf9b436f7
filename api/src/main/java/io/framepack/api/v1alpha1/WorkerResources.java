package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** What the worker pod asks for. Zero GPUs runs the worker on CPU (tests, tiny models). */
public class WorkerResources {
    static final String QUANTITY = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
    /** {@link #gpus} when unset. */
    public static final int DEFAULT_GPUS = 1;

    @Default("" + DEFAULT_GPUS)
    @Min(0)
    @Max(16)
    public Integer gpus = DEFAULT_GPUS;

    /**
     * Extended resource name of the GPU, e.g. {@code nvidia.com/gpu} or {@code amd.com/gpu}. Unset
     * (no CRD default, so the API server leaves it so) means the operator's cluster-wide setting.
     */
    @Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
    public String gpuResourceName;

    /** Memory request and limit (host RAM: weights are staged there), e.g. {@code 96Gi}. */
    @Pattern(QUANTITY)
    public String memory;

    /** CPU request, e.g. {@code 8}. */
    @Pattern(QUANTITY)
    public String cpu;
}
