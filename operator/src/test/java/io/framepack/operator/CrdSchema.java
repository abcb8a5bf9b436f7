package io.framepack.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import com.google.re2j.Pattern;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the API server does with a VideoGeneration before storing it, done in the test with the
 * committed CRD: structural defaulting, OpenAPI validation (types, required, enums, ranges,
 * patterns, lengths, unknown fields as with kubectl's strict field validation) and the
 * {@code x-kubernetes-validations} CEL rules, evaluated by the CEL reference implementation for
 * Java, transition rules ({@code oldSelf}) included. As in the API server, patterns are RE2 (no
 * {@code $} before a trailing newline), lengths count code points, numbers that JSON cannot carry
 * ({@code .nan}, infinities) and integers beyond int64 are refused, and {@code 25.0} is an integer.
 */
final class CrdSchema {
    static final Path CRD_FILE = Path.of("..", "crds", "videogenerations.framepack.io-v1.yml");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final JSONSchemaProps root;
    private final CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .build();
    private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    CrdSchema() throws IOException {
        CustomResourceDefinition crd = SERIALIZATION.unmarshal(Files.readString(CRD_FILE), CustomResourceDefinition.class);
        root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    }

    static JsonNode yaml(String text) {
        return SERIALIZATION.unmarshal(text, JsonNode.class);
    }

    /** The CRD's OpenAPI schema. */
    JSONSchemaProps openApiSchema() {
        return root;
    }

    /** JSON path of every integer in the schema that lacks a minimum or a maximum. */
    List<String> unboundedIntegers() {
        List<String> unbounded = new ArrayList<>();
        collectUnboundedIntegers(root, "", unbounded);
        return unbounded;
    }

    private static void collectUnboundedIntegers(JSONSchemaProps schema, String path, List<String> unbounded) {
        if ("integer".equals(schema.getType()) && (schema.getMinimum() == null || schema.getMaximum() == null)) {
            unbounded.add(path);
        }
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, property) -> collectUnboundedIntegers(property, path + "." + name, unbounded));
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            collectUnboundedIntegers(schema.getItems().getSchema(), path + "[]", unbounded);
        }
        if (schema.getAdditionalProperties() != null && schema.getAdditionalProperties().getSchema() != null) {
            collectUnboundedIntegers(schema.getAdditionalProperties().getSchema(), path + "{}", unbounded);
        }
    }

    /** Every rule in the CRD, with its JSON path. */
    Map<String, String> rules() {
        Map<String, String> rules = new LinkedHashMap<>();
        collectRules(root, "", rules);
        return rules;
    }

    /** The properties of {@code spec}. */
    List<String> specFields() {
        return List.copyOf(root.getProperties().get("spec").getProperties().keySet());
    }

    /** The spec fields that a transition rule on {@code spec} keeps as they were (its {@code fieldPath}). */
    List<String> immutableSpecFields() {
        return root.getProperties().get("spec").getXKubernetesValidations().stream()
                .filter(rule -> rule.getRule().contains("oldSelf") && rule.getFieldPath() != null)
                .map(rule -> rule.getFieldPath().substring(1))
                .toList();
    }

    /** Compile errors of one rule, empty when it compiles. */
    String compileErrors(String rule) {
        CelValidationResult result = compiler.compile(rule);
        return result.hasError() ? result.getErrorString() : "";
    }

    /** Problems of a create, after defaulting; the manifest is defaulted in place. */
    List<String> validateCreate(JsonNode manifest) {
        return validate(manifest, null);
    }

    /**
     * Problems of an update from {@code old} to {@code manifest} (both defaulted in place; the
     * manifest is then as the API server stores it, integers written as {@code 25.0} as {@code 25}).
     */
    List<String> validate(JsonNode manifest, JsonNode old) {
        applyDefaults(manifest, root);
        if (old != null) {
            applyDefaults(old, root);
        }
        List<String> problems = new ArrayList<>();
        validate(manifest, old, root, "", problems);
        storeIntegers(manifest, root);
        return problems;
    }

    /** The API server writes an integral number back without its fraction, as Go's JSON does. */
    private static void storeIntegers(JsonNode value, JSONSchemaProps schema) {
        if (value == null || !value.isObject() || schema.getProperties() == null) {
            return;
        }
        ObjectNode object = (ObjectNode) value;
        schema.getProperties().forEach((name, child) -> {
            JsonNode field = object.get(name);
            if ("integer".equals(child.getType()) && field != null && field.isFloatingPointNumber() && isInt64(field)) {
                object.put(name, field.longValue());
            }
            storeIntegers(field, child);
        });
    }

    private void validate(JsonNode value, JsonNode old, JSONSchemaProps schema, String path, List<String> problems) {
        if (value == null || value.isNull()) {
            return;
        }
        if (value.isNumber() && !Double.isFinite(value.asDouble())) {
            problems.add(path + ": must be a finite number");
            return;
        }
        if (!typeMatches(value, schema)) {
            problems.add(path + ": must be of type " + schema.getType());
            return;
        }
        if (schema.getEnum() != null && !schema.getEnum().isEmpty() && !schema.getEnum().contains(value)) {
            problems.add(path + ": must be one of " + schema.getEnum());
        }
        if (value.isNumber()) {
            double number = value.asDouble();
            if (schema.getMinimum() != null && (number < schema.getMinimum()
                    || (Boolean.TRUE.equals(schema.getExclusiveMinimum()) && number == schema.getMinimum()))) {
                problems.add(path + ": must be " + (Boolean.TRUE.equals(schema.getExclusiveMinimum()) ? "above " : "at least ") + schema.getMinimum());
            }
            if (schema.getMaximum() != null && (number > schema.getMaximum()
                    || (Boolean.TRUE.equals(schema.getExclusiveMaximum()) && number == schema.getMaximum()))) {
                problems.add(path + ": must be at most " + schema.getMaximum());
            }
        }
        if (value.isTextual()) {
            String text = value.asText();
            if (schema.getPattern() != null && !Pattern.compile(schema.getPattern()).matcher(text).find()) {
                problems.add(path + ": must match " + schema.getPattern());
            }
            int length = text.codePointCount(0, text.length());
            if (schema.getMaxLength() != null && length > schema.getMaxLength()) {
                problems.add(path + ": at most " + schema.getMaxLength() + " characters");
            }
            if (schema.getMinLength() != null && length < schema.getMinLength()) {
                problems.add(path + ": at least " + schema.getMinLength() + " characters");
            }
        }
        if (value.isArray()) {
            if (schema.getMaxItems() != null && value.size() > schema.getMaxItems()) {
                problems.add(path + ": at most " + schema.getMaxItems() + " items");
            }
            if (schema.getMinItems() != null && value.size() < schema.getMinItems()) {
                problems.add(path + ": at least " + schema.getMinItems() + " items");
            }
            for (int i = 0; i < value.size(); i++) {
                validate(value.get(i), null, schema.getItems().getSchema(), path + "[" + i + "]", problems);
            }
        }
        if (value.isObject()) {
            validateObject(value, old, schema, path, problems);
        }
        evaluateRules(value, old, schema, path, problems);
    }

    private void validateObject(JsonNode value, JsonNode old, JSONSchemaProps schema, String path, List<String> problems) {
        if (schema.getMaxProperties() != null && value.size() > schema.getMaxProperties()) {
            problems.add(path + ": at most " + schema.getMaxProperties() + " entries");
        }
        for (String required : schema.getRequired() == null ? List.<String>of() : schema.getRequired()) {
            if (!value.has(required)) {
                problems.add(path + "." + required + ": Required value");
            }
        }
        Map<String, JSONSchemaProps> properties = schema.getProperties() == null ? Map.of() : schema.getProperties();
        JSONSchemaProps additional = schema.getAdditionalProperties() == null ? null : schema.getAdditionalProperties().getSchema();
        boolean preserve = Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields());
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode oldField = old == null ? null : old.get(field.getKey());
            JSONSchemaProps fieldSchema = properties.get(field.getKey());
            if (fieldSchema != null) {
                validate(field.getValue(), oldField, fieldSchema, path + "." + field.getKey(), problems);
            } else if (additional != null) {
                validate(field.getValue(), oldField, additional, path + "." + field.getKey(), problems);
            } else if (!preserve && !(path.isEmpty() && (field.getKey().equals("apiVersion") || field.getKey().equals("kind")
                    || field.getKey().equals("metadata")))) {
                problems.add(path + "." + field.getKey() + ": unknown field");
            }
        }
    }

    private void evaluateRules(JsonNode value, JsonNode old, JSONSchemaProps schema, String path, List<String> problems) {
        for (ValidationRule rule : schema.getXKubernetesValidations() == null ? List.<ValidationRule>of() : schema.getXKubernetesValidations()) {
            boolean transition = rule.getRule().contains("oldSelf");
            if (transition && (old == null || old.isNull())) {
                continue; // transition rules only run on updates where the old value exists
            }
            Map<String, Object> variables = new HashMap<>();
            variables.put("self", celValue(value, schema));
            if (transition) {
                variables.put("oldSelf", celValue(old, schema));
            }
            if (!Boolean.TRUE.equals(evaluate(rule.getRule(), variables, path))) {
                String where = path + (rule.getFieldPath() == null ? "" : rule.getFieldPath());
                String message = rule.getMessageExpression() == null ? rule.getMessage()
                        : (String) evaluate(rule.getMessageExpression(), variables, path);
                problems.add((where.isEmpty() ? "<root>" : where) + ": " + message);
            }
        }
    }

    private Object evaluate(String expression, Map<String, Object> variables, String path) {
        try {
            return runtime.createProgram(compiler.compile(expression).getAst()).eval(variables);
        } catch (Exception e) {
            throw new AssertionError("expression at " + path + " cannot be evaluated: " + expression, e);
        }
    }

    /** JSON to CEL values the way the API server types them: by schema, so 5 in a number field is a double. */
    private static Object celValue(JsonNode value, JSONSchemaProps schema) {
        if (value.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            value.fields().forEachRemaining(f -> {
                JSONSchemaProps child = schema == null ? null : schema.getProperties() != null && schema.getProperties().containsKey(f.getKey())
                        ? schema.getProperties().get(f.getKey())
                        : schema.getAdditionalProperties() == null ? null : schema.getAdditionalProperties().getSchema();
                map.put(f.getKey(), celValue(f.getValue(), child));
            });
            return map;
        }
        if (value.isArray()) {
            List<Object> list = new ArrayList<>();
            value.forEach(v -> list.add(celValue(v, schema == null || schema.getItems() == null ? null : schema.getItems().getSchema())));
            return list;
        }
        if (value.isNumber()) {
            return schema != null && "number".equals(schema.getType()) ? (Object) value.asDouble() : (Object) value.longValue();
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        return value.asText();
    }

    private static boolean typeMatches(JsonNode value, JSONSchemaProps schema) {
        if (Boolean.TRUE.equals(schema.getXKubernetesIntOrString())) {
            return value.isIntegralNumber() || value.isTextual();
        }
        String type = schema.getType();
        if (type == null) {
            return true;
        }
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> isInt64(value);
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    /** An integer the API server decodes: within int64, written with or without a fraction of zero. */
    private static boolean isInt64(JsonNode value) {
        if (!value.isNumber()) {
            return false;
        }
        try {
            value.decimalValue().longValueExact();
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    private static void applyDefaults(JsonNode value, JSONSchemaProps schema) {
        if (value == null || !value.isObject() || schema.getProperties() == null) {
            return;
        }
        ObjectNode object = (ObjectNode) value;
        schema.getProperties().forEach((name, child) -> {
            if (!object.has(name) && child.getDefault() != null && !child.getDefault().isNull()) {
                object.set(name, child.getDefault().deepCopy());
            }
            applyDefaults(object.get(name), child);
        });
    }

    private static void collectRules(JSONSchemaProps schema, String path, Map<String, String> rules) {
        if (schema == null) {
            return;
        }
        if (schema.getXKubernetesValidations() != null) {
            schema.getXKubernetesValidations().forEach(r -> {
                rules.put(path + " " + r.getRule(), r.getRule());
                if (r.getMessageExpression() != null) {
                    rules.put(path + " message " + r.getMessageExpression(), r.getMessageExpression());
                }
            });
        }
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, child) -> collectRules(child, path + "." + name, rules));
        }
        if (schema.getItems() != null) {
            collectRules(schema.getItems().getSchema(), path + "[]", rules);
        }
    }
}
