package io.framepack.api.v1alpha1;

import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Bounds the strings inside a list or map property of a class's CRD schema, which the field
 * annotations cannot reach: the API server refuses a CEL rule over strings of unknown length as too
 * costly. Input: {@code property=maxLength} pairs, comma-separated. Run by the CRD generator only.
 */
public final class BoundedStrings implements SchemaCustomizer.Customizer {
    @Override
    public JSONSchemaProps apply(JSONSchemaProps schema, String input, KubernetesSerialization serialization) {
        for (String pair : input.split(",")) {
            String[] parts = pair.trim().split("=");
            JSONSchemaProps property = schema.getProperties().get(parts[0]);
            if (property == null) {
                throw new IllegalArgumentException("no property " + parts[0] + " to bound");
            }
            JSONSchemaProps strings = property.getItems() != null ? property.getItems().getSchema()
                    : property.getAdditionalProperties().getSchema();
            strings.setMaxLength(Long.valueOf(parts[1]));
        }
        return schema;
    }
}
