package io.framepack.operator;

import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.parser.CelParser;
import dev.cel.parser.CelParserFactory;
import dev.cel.parser.CelStandardMacro;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A conservative worst-case cost of every {@code x-kubernetes-validations} expression (rules and
 * message expressions) of a CRD schema, computed from the schema's bounds with the cost model the
 * Kubernetes documentation describes (https://kubernetes.io/docs/reference/using-api/cel/#resource-constraints):
 * fixed unit costs for identifiers, selects and O(1) calls, string traversal at 0.1 per character,
 * comparisons at 0.1 per character, item or entry of the smaller side, regex matching as (0.1 x string length) x (0.25 x pattern length), comprehensions as the range's
 * size times the loop body, and a rule's cost multiplied by how many times one object can evaluate
 * it (the maxItems/maxProperties of the lists and maps above it). The factors are cel-go's
 * ({@code common/cost.go}), which the API server uses.
 *
 * <p>This is an estimate made in a test, not the API server's check: there is no API server here.
 * Where this model and cel-go's differ it charges more (every operator costs at least 1, a list
 * literal 40, {@code in} compares with every item), so an estimate under the limits means the
 * API server's is too, as far as the model is right. Two size conventions, as the API server's:
 * at write time a string's size is 4 bytes per code point of its maxLength (or its longest enum
 * value); at run time it is its code points. Map keys have no schema bound (structural schemas
 * cannot declare one); the API server's estimator counts them as empty, and so does this one.
 */
final class CelCostEstimate {
    /** The API server's limits (k8s.io/apiextensions-apiserver validation, k8s.io/apiserver/pkg/apis/cel). */
    static final long STATIC_LIMIT_PER_EXPRESSION = 10_000_000;
    static final long STATIC_LIMIT_PER_CRD = 100_000_000;
    static final long RUNTIME_LIMIT_PER_CALL = 1_000_000;

    private static final double STRING_TRAVERSAL = 0.1;
    private static final double REGEX_LENGTH = 0.25;
    private static final long LIST_LITERAL = 40;

    enum Sizes { WRITE_TIME, RUN_TIME }

    /** One expression: its cost for one evaluation, how often one object can evaluate it, and the product. */
    record Cost(String path, String expression, long perCall, long cardinality) {
        long total() {
            return saturatingMultiply(perCall, cardinality);
        }
    }

    /** The estimate of every expression, and the schema fields whose missing bound kept one from being estimated. */
    record Result(List<Cost> costs, List<String> unbounded) {
        long total() {
            return costs.stream().mapToLong(Cost::total).reduce(0, CelCostEstimate::saturatingAdd);
        }

        Cost worst() {
            return costs.stream().max((a, b) -> Long.compare(a.total(), b.total())).orElseThrow();
        }
    }

    private static final CelParser PARSER = CelParserFactory.standardCelParserBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS).build();

    private final Sizes sizes;
    private final List<Cost> costs = new ArrayList<>();
    private final List<String> unbounded = new ArrayList<>();

    private CelCostEstimate(Sizes sizes) {
        this.sizes = sizes;
    }

    static Result of(JSONSchemaProps root, Sizes sizes) {
        CelCostEstimate estimate = new CelCostEstimate(sizes);
        estimate.visit(root, "", 1, null);
        return new Result(List.copyOf(estimate.costs), List.copyOf(estimate.unbounded));
    }

    /**
     * @param cardinality how many times one object can evaluate a rule here
     * @param unboundedAt the list or map above without a bound, which makes that count unknown
     */
    private void visit(JSONSchemaProps schema, String path, long cardinality, String unboundedAt) {
        if (schema == null) {
            return;
        }
        if (schema.getXKubernetesValidations() != null) {
            for (ValidationRule rule : schema.getXKubernetesValidations()) {
                estimate(path, rule.getRule(), schema, cardinality, unboundedAt);
                if (rule.getMessageExpression() != null) {
                    estimate(path, rule.getMessageExpression(), schema, cardinality, unboundedAt);
                }
            }
        }
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, child) -> visit(child, path + "." + name, cardinality, unboundedAt));
        }
        if (schema.getItems() != null) {
            Long max = schema.getMaxItems();
            visit(schema.getItems().getSchema(), path + "[*]", saturatingMultiply(cardinality, max == null ? 1 : max),
                    max == null ? path : unboundedAt);
        }
        if (schema.getAdditionalProperties() != null) {
            Long max = schema.getMaxProperties();
            visit(schema.getAdditionalProperties().getSchema(), path + "{*}", saturatingMultiply(cardinality, max == null ? 1 : max),
                    max == null ? path : unboundedAt);
        }
    }

    private void estimate(String path, String expression, JSONSchemaProps schema, long cardinality, String unboundedAt) {
        if (unboundedAt != null) {
            unbounded.add(unboundedAt + ": list or map without maxItems/maxProperties above the rule " + path + ": " + expression);
            return;
        }
        CelExpr parsed;
        try {
            parsed = PARSER.parse(expression).getAst().getExpr();
        } catch (CelValidationException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
        Map<String, Shape> scope = new HashMap<>();
        scope.put("self", new Schema(schema, path));
        scope.put("oldSelf", new Schema(schema, path));
        try {
            costs.add(new Cost(path, expression, new Walk(path, expression).cost(parsed, scope).cost, cardinality));
        } catch (Unbounded e) {
            unbounded.add(e.getMessage());
        }
    }

    // ---- what an expression's value is, as far as its size goes ---------------------------------

    /** The shape of a value: enough to know its size. */
    private sealed interface Shape permits Schema, Text, ListOf, Scalar {
    }

    /** A value of a schema node. */
    private record Schema(JSONSchemaProps schema, String path) implements Shape {
    }

    /** A string of a known largest size (a literal, a concatenation, a map key). */
    private record Text(long size) implements Shape {
    }

    /** A list literal. */
    private record ListOf(long size, Shape element) implements Shape {
    }

    /** A number, boolean, null or a value whose size costs nothing. */
    private record Scalar() implements Shape {
    }

    private record Estimate(long cost, Shape shape) {
    }

    /** A size the estimate needs and the schema does not bound. */
    private static final class Unbounded extends RuntimeException {
        Unbounded(String message) {
            super(message, null, false, false);
        }
    }

    private final class Walk {
        private final String rulePath;
        private final String expression;

        Walk(String rulePath, String expression) {
            this.rulePath = rulePath;
            this.expression = expression;
        }

        Estimate cost(CelExpr expr, Map<String, Shape> scope) {
            return switch (expr.getKind()) {
                case CONSTANT -> new Estimate(0, constantShape(expr.constant()));
                case IDENT -> {
                    Shape shape = scope.get(expr.ident().name());
                    if (shape == null) {
                        throw new IllegalArgumentException(rulePath + ": unknown variable " + expr.ident().name() + " in " + expression);
                    }
                    yield new Estimate(1, shape);
                }
                case SELECT -> {
                    Estimate operand = cost(expr.select().operand(), scope);
                    Shape field = expr.select().testOnly() ? new Scalar() : field(operand.shape, expr.select().field());
                    yield new Estimate(operand.cost + 1, field);
                }
                case LIST -> {
                    long cost = LIST_LITERAL;
                    Shape element = new Scalar();
                    for (CelExpr e : expr.list().elements()) {
                        Estimate item = cost(e, scope);
                        cost = saturatingAdd(cost, item.cost);
                        element = larger(element, item.shape);
                    }
                    yield new Estimate(cost, new ListOf(expr.list().elements().size(), element));
                }
                case COMPREHENSION -> comprehension(expr.comprehension(), scope);
                case CALL -> call(expr.call(), scope);
                default -> throw new IllegalArgumentException(rulePath + ": no cost model for " + expr.getKind() + " in " + expression);
            };
        }

        private Estimate comprehension(CelExpr.CelComprehension loop, Map<String, Shape> scope) {
            Estimate range = cost(loop.iterRange(), scope);
            Estimate init = cost(loop.accuInit(), scope);
            Map<String, Shape> inner = new HashMap<>(scope);
            inner.put(loop.iterVar(), element(range.shape));
            inner.put(loop.accuVar(), init.shape);
            long body = saturatingAdd(cost(loop.loopCondition(), inner).cost, cost(loop.loopStep(), inner).cost);
            long cost = saturatingAdd(saturatingAdd(range.cost, init.cost),
                    saturatingAdd(saturatingMultiply(count(range.shape), body), cost(loop.result(), inner).cost));
            return new Estimate(cost, new Scalar());
        }

        private Estimate call(CelExpr.CelCall call, Map<String, Shape> scope) {
            List<Estimate> args = new ArrayList<>();
            call.target().ifPresent(target -> args.add(cost(target, scope)));
            call.args().forEach(arg -> args.add(cost(arg, scope)));
            long argCost = args.stream().mapToLong(Estimate::cost).reduce(0, CelCostEstimate::saturatingAdd);
            Shape first = args.get(0).shape;
            return switch (call.function()) {
                // Short-circuits and the conditional: every branch counted, plus one.
                case "_&&_", "_||_", "!_", "@not_strictly_false", "_?_:_" ->
                        new Estimate(saturatingAdd(argCost, 1), args.size() == 3 ? larger(args.get(1).shape, args.get(2).shape) : new Scalar());
                case "size", "_%_", "_-_", "_*_", "_/_", "-_", "int", "double" -> new Estimate(saturatingAdd(argCost, 1), new Scalar());
                case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_" ->
                        new Estimate(saturatingAdd(argCost, stringTraversal(Math.min(shallowSize(first), shallowSize(args.get(1).shape)))), new Scalar());
                case "_+_" -> {
                    if (isScalar(first)) {
                        yield new Estimate(saturatingAdd(argCost, 1), new Scalar());
                    }
                    long size = saturatingAdd(size(first), size(args.get(1).shape));
                    yield new Estimate(saturatingAdd(argCost, stringTraversal(size)), new Text(size));
                }
                case "string" -> new Estimate(saturatingAdd(argCost, isScalar(first) ? 1 : stringTraversal(size(first))),
                        isScalar(first) ? new Text(32) : first);
                case "_[_]" -> new Estimate(saturatingAdd(argCost, 1), indexed(first));
                case "@in" -> new Estimate(saturatingAdd(argCost, saturatingMultiply(count(args.get(1).shape),
                        stringTraversal(Math.min(shallowSize(first), shallowSize(element(args.get(1).shape)))))), new Scalar());
                case "matches" -> new Estimate(saturatingAdd(argCost, saturatingMultiply(stringTraversal(size(first)),
                        ceil(size(args.get(1).shape) * REGEX_LENGTH))), new Scalar());
                case "startsWith", "endsWith" ->
                        new Estimate(saturatingAdd(argCost, stringTraversal(size(args.get(1).shape))), new Scalar());
                case "contains" -> new Estimate(saturatingAdd(argCost, saturatingMultiply(stringTraversal(size(first)),
                        stringTraversal(size(args.get(1).shape)))), new Scalar());
                default -> throw new IllegalArgumentException(rulePath + ": no cost model for function " + call.function()
                        + " in " + expression + " (add one to " + CelCostEstimate.class.getSimpleName() + ")");
            };
        }

        // ---- sizes from the schema ------------------------------------------------------------------

        private Shape field(Shape shape, String name) {
            if (shape instanceof Schema s) {
                JSONSchemaProps child = s.schema.getProperties() == null ? null : s.schema.getProperties().get(name);
                if (child != null) {
                    return new Schema(child, s.path + "." + name);
                }
                if (s.schema.getAdditionalProperties() != null && s.schema.getAdditionalProperties().getSchema() != null) {
                    return new Schema(s.schema.getAdditionalProperties().getSchema(), s.path + "{*}");
                }
                // Fields the API server adds (metadata.name): a value whose size this rule must not need.
                return new Schema(new JSONSchemaProps(), s.path + "." + name);
            }
            throw new IllegalArgumentException(rulePath + ": select ." + name + " on a non-object in " + expression);
        }

        private Shape element(Shape shape) {
            if (shape instanceof ListOf list) {
                return list.element;
            }
            if (shape instanceof Schema s && s.schema.getItems() != null) {
                return new Schema(s.schema.getItems().getSchema(), s.path + "[*]");
            }
            if (shape instanceof Schema s && s.schema.getAdditionalProperties() != null) {
                // Iterating a map yields its keys, and the schema has no bound for them (see the class comment).
                return new Text(0);
            }
            throw new IllegalArgumentException(rulePath + ": no elements in " + shape + " in " + expression);
        }

        /** What {@code value[i]} yields: a list's item, a map's value. */
        private Shape indexed(Shape shape) {
            if (shape instanceof Schema s && s.schema.getAdditionalProperties() != null) {
                return new Schema(s.schema.getAdditionalProperties().getSchema(), s.path + "{*}");
            }
            return element(shape);
        }

        /** How many elements a list or map can hold. */
        private long count(Shape shape) {
            if (shape instanceof ListOf list) {
                return list.size;
            }
            if (shape instanceof Schema s && "array".equals(s.schema.getType())) {
                return bound(s.schema.getMaxItems(), s.path + " (used by " + rulePath + ": " + expression + ")");
            }
            if (shape instanceof Schema s && s.schema.getAdditionalProperties() != null) {
                return bound(s.schema.getMaxProperties(), s.path + " (used by " + rulePath + ": " + expression + ")");
            }
            throw new IllegalArgumentException(rulePath + ": cannot iterate " + shape + " in " + expression);
        }

        /** The largest size of a string. */
        private long size(Shape shape) {
            if (shape instanceof Text text) {
                return text.size;
            }
            if (shape instanceof Schema s && "string".equals(s.schema.getType())) {
                if (s.schema.getMaxLength() != null) {
                    return sizes == Sizes.WRITE_TIME ? 4 * s.schema.getMaxLength() : s.schema.getMaxLength();
                }
                if (s.schema.getEnum() != null && !s.schema.getEnum().isEmpty()) {
                    return s.schema.getEnum().stream().mapToLong(e -> e.asText().length()).max().orElseThrow();
                }
                throw new Unbounded(s.path + ": string without maxLength, used by " + rulePath + ": " + expression);
            }
            throw new IllegalArgumentException(rulePath + ": not a string: " + shape + " in " + expression);
        }

        /**
         * The size the API server charges a comparison by, 0.1 per unit (cel-go's runtime cost of
         * equality and ordering): a string's characters, a list's items, a map's or object's entries.
         */
        private long shallowSize(Shape shape) {
            if (shape instanceof Text || shape instanceof Schema s && "string".equals(s.schema.getType())) {
                return size(shape);
            }
            if (shape instanceof ListOf || shape instanceof Schema s && (s.schema.getItems() != null || s.schema.getAdditionalProperties() != null)) {
                return count(shape);
            }
            if (shape instanceof Schema s && s.schema.getProperties() != null) {
                return s.schema.getProperties().size();
            }
            return 1;
        }

        private boolean isScalar(Shape shape) {
            return shape instanceof Scalar || shape instanceof Schema s && !"string".equals(s.schema.getType())
                    && !"array".equals(s.schema.getType()) && !"object".equals(s.schema.getType());
        }

        private Shape larger(Shape a, Shape b) {
            if (a instanceof Scalar) {
                return b;
            }
            if (b instanceof Scalar) {
                return a;
            }
            return shallowSize(a) >= shallowSize(b) ? a : b;
        }
    }

    private static Shape constantShape(CelConstant constant) {
        return constant.getKind() == CelConstant.Kind.STRING_VALUE ? new Text(constant.stringValue().length()) : new Scalar();
    }

    private static long bound(Long max, String path) {
        if (max == null) {
            throw new Unbounded(path + ": list or map without maxItems/maxProperties");
        }
        return max;
    }

    private static long stringTraversal(long size) {
        return Math.max(1, ceil(size * STRING_TRAVERSAL));
    }

    private static long ceil(double value) {
        return (long) Math.ceil(value);
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static long saturatingMultiply(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }
}
