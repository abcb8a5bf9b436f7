package io.framepack.operator;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.eclipse.microprofile.config.spi.Converter;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cluster-wide node selector and tolerations of worker pods (operator settings). Each setting is
 * one JSON or YAML value rather than a property per key, because label and taint keys hold dots and
 * slashes that environment variable names cannot carry. The converters run when the configuration
 * loads, so a bad value stops the operator at startup with an error naming the setting.
 */
public final class WorkerPlacement {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private WorkerPlacement() {
    }

    /** Node labels, e.g. {@code {"nvidia.com/gpu.present": "true"}}. */
    public record NodeSelector(Map<String, String> labels) {
    }

    /** Tolerations, e.g. {@code [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}. */
    public record Tolerations(List<Toleration> items) {
    }

    public static final class NodeSelectorConverter implements Converter<NodeSelector> {
        @Override
        public NodeSelector convert(String text) {
            Map<String, String> labels = parse(text, new TypeReference<LinkedHashMap<String, String>>() { },
                    "an object of node labels");
            labels.forEach((key, value) -> {
                if (value == null) {
                    throw new IllegalArgumentException("node label " + key + " has no value");
                }
            });
            return new NodeSelector(Collections.unmodifiableMap(labels));
        }
    }

    public static final class TolerationsConverter implements Converter<Tolerations> {
        @Override
        public Tolerations convert(String text) {
            List<Toleration> tolerations = parse(text, new TypeReference<List<Toleration>>() { }, "a list of tolerations");
            for (Toleration toleration : tolerations) {
                if (toleration == null) {
                    throw new IllegalArgumentException("a toleration is null");
                }
                // The model keeps unknown fields aside; a misspelt "effect" would silently tolerate every effect.
                if (!toleration.getAdditionalProperties().isEmpty()) {
                    throw new IllegalArgumentException("unknown toleration field(s) " + toleration.getAdditionalProperties().keySet()
                            + "; a toleration has key, operator, value, effect and tolerationSeconds");
                }
            }
            return new Tolerations(List.copyOf(tolerations));
        }
    }

    private static <T> T parse(String text, TypeReference<T> type, String expected) {
        T value;
        try {
            value = SERIALIZATION.unmarshal(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), type);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("expected " + expected + " as JSON or YAML: " + e.getMessage(), e);
        }
        if (value == null) {
            throw new IllegalArgumentException("expected " + expected + " as JSON or YAML, got nothing");
        }
        return value;
    }
}
