package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** What the worker pod asks for. Zero GPUs runs the worker on CPU (tests, tiny models). */
public class WorkerResources {
    private static final String POSITIVE_BYTES = "self.matches(r'" + Formats.MEMORY + "') && !self.matches(r'"
            + Formats.ZERO_QUANTITY + "')";
    private static final String BYTES_MESSAGE = " must be a positive amount of bytes such as 96Gi or 64G: digits,"
            + " or up to 6 digits and 3 decimals with one of the suffixes k, M, G, T, Ki, Mi, Gi, Ti";

    /** {@link #gpus} when unset. */
    public static final int DEFAULT_GPUS = 1;
    public static final int MAX_GPUS = 16;

    @Default("" + DEFAULT_GPUS)
    @Min(0)
    @Max(MAX_GPUS)
    public Integer gpus = DEFAULT_GPUS;

    /**
     * Extended resource name of the GPU, e.g. {@code nvidia.com/gpu} or {@code amd.com/gpu}. Unset
     * (no CRD default, so the API server leaves it so) means the operator's cluster-wide setting.
     */
    @Size(max = Formats.DNS_SUBDOMAIN_MAX)
    @ValidationRule(value = Formats.IS_EXTENDED_RESOURCE, messageExpression = Formats.SHOW_START
            + "gpuResourceName must be an extended resource name such as nvidia.com/gpu: a DNS domain outside kubernetes.io"
            + " of at most 244 characters, '/', and a name of at most 63 letters, digits, '-', '_' or '.'"
            + " (cpu, memory, hugepages-* and ephemeral-storage are not GPUs)" + Formats.SHOW_END)
    public String gpuResourceName;

    /**
     * Memory request and limit (host RAM: weights are read through it, streamed transformer blocks
     * wait in it), e.g. {@code 64Gi}; see src/docs/memory-tiers.md for what each tier needs.
     */
    @Size(max = Formats.QUANTITY_MAX)
    @ValidationRule(value = POSITIVE_BYTES, messageExpression = Formats.SHOW_START + "memory" + BYTES_MESSAGE + Formats.SHOW_END)
    public String memory;

    /**
     * GPU memory the worker may use, e.g. {@code 22Gi}; unset, what the GPU has free when the worker
     * starts. Below what the model needs resident, the worker tiles the VAE and streams transformer
     * blocks from host memory (same latents, slower); the status's {@code memoryTier} says which.
     */
    @Size(max = Formats.QUANTITY_MAX)
    @ValidationRule(value = POSITIVE_BYTES, messageExpression = Formats.SHOW_START + "gpuMemory" + BYTES_MESSAGE
            + Formats.SHOW_END)
    public String gpuMemory;

    /** CPU request, e.g. {@code 8}. */
    @Size(max = Formats.QUANTITY_MAX)
    @ValidationRule(value = "self.matches(r'" + Formats.CPU + "') && !self.matches(r'" + Formats.ZERO_QUANTITY + "')",
            messageExpression = Formats.SHOW_START + "cpu must be a positive number of cores such as 8 or 2.5"
                    + " (up to 6 digits and 3 decimals), or of millicores such as 500m" + Formats.SHOW_END)
    public String cpu;
}
