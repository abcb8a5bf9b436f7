package io.framepack.operator;

import io.framepack.api.v1alpha1.Formats;
import org.eclipse.microprofile.config.spi.Converter;

import java.util.Set;

/**
 * Checks of single worker settings at startup: a value the Pod API would refuse would otherwise
 * fail the creation of every worker Job, over and over, long after the operator started.
 */
final class WorkerSettings {
    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    private WorkerSettings() {
    }

    /** A CPU amount as a resource may give it: cores with up to 3 decimals, or millicores. */
    public static final class CpuConverter implements Converter<String> {
        @Override
        public String convert(String value) {
            String cpu = value.strip();
            if (!Formats.isPositiveQuantity(Formats.CPU, cpu)) {
                throw new IllegalArgumentException("'" + value + "' is not a positive number of cores such as 4 or 2.5,"
                        + " or of millicores such as 500m");
            }
            return cpu;
        }
    }

    public static final class PullPolicyConverter implements Converter<String> {
        @Override
        public String convert(String value) {
            String policy = value.strip();
            if (!PULL_POLICIES.contains(policy)) {
                throw new IllegalArgumentException("'" + value + "' is not an image pull policy: Always, IfNotPresent or Never");
            }
            return policy;
        }
    }
}
