package io.framepack.operator;

import io.framepack.operator.CelCostEstimate.Cost;
import io.framepack.operator.CelCostEstimate.Result;
import io.framepack.operator.CelCostEstimate.Sizes;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CRD's CEL rules against the API server's cost limits, estimated from the schema's bounds by
 * {@link CelCostEstimate} (an estimate made here, not the API server's own check: no API server
 * runs in the tests). The API server refuses a CRD whose estimated cost of one expression, times
 * how often one object can evaluate it, exceeds 10,000,000, or whose sum exceeds 100,000,000; one
 * evaluation that costs more than 1,000,000 at run time fails the object's validation.
 */
class CrdCelCostTest {
    @Test
    void everySizeARuleDependsOnIsBoundedInTheSchema() throws IOException {
        JSONSchemaProps schema = new CrdSchema().openApiSchema();
        assertThat(CelCostEstimate.of(schema, Sizes.WRITE_TIME).unbounded()).isEmpty();
        assertThat(CelCostEstimate.of(schema, Sizes.RUN_TIME).unbounded()).isEmpty();
    }

    @Test
    void everyRuleIsWithinTheApiServersEstimatedCostLimits() throws IOException {
        Result estimate = CelCostEstimate.of(new CrdSchema().openApiSchema(), Sizes.WRITE_TIME);
        assertThat(estimate.costs()).hasSizeGreaterThan(100);
        for (Cost cost : estimate.costs()) {
            assertThat(cost.total()).as(cost.path() + ": " + cost.expression()).isLessThanOrEqualTo(CelCostEstimate.STATIC_LIMIT_PER_EXPRESSION);
        }
        assertThat(estimate.total()).isLessThanOrEqualTo(CelCostEstimate.STATIC_LIMIT_PER_CRD);
        report("write-time estimate", estimate);
    }

    @Test
    void noEvaluationCanExceedTheRuntimeLimitPerCall() throws IOException {
        Result estimate = CelCostEstimate.of(new CrdSchema().openApiSchema(), Sizes.RUN_TIME);
        for (Cost cost : estimate.costs()) {
            assertThat(cost.perCall()).as(cost.path() + ": " + cost.expression()).isLessThanOrEqualTo(CelCostEstimate.RUNTIME_LIMIT_PER_CALL);
        }
        report("run-time worst case", estimate);
    }

    /** The estimator itself: what makes a rule expensive is charged, and a missing bound is named. */
    @Test
    void theEstimateChargesRegexesByLengthAndLoopsBySize() {
        JSONSchemaProps names = new JSONSchemaPropsBuilder().withType("array").withMaxItems(10L)
                .withNewItems().withNewSchema().withType("string").withMaxLength(100L).endSchema().endItems().build();
        JSONSchemaProps object = new JSONSchemaPropsBuilder().withType("object").withProperties(Map.of("names", names))
                .addNewXKubernetesValidation().withRule("self.names.all(n, n.matches('^[a-z]{1,8}$'))").endXKubernetesValidation()
                .build();
        Cost cost = CelCostEstimate.of(object, Sizes.RUN_TIME).costs().get(0);
        // 10 names x (regex: ceil(100 x 0.1) x ceil(12 x 0.25), plus the loop's own steps), over 300.
        assertThat(cost.perCall()).isBetween(10L * 10 * 3, 10L * 10 * 3 + 100);
        assertThat(CelCostEstimate.of(object, Sizes.WRITE_TIME).costs().get(0).perCall()).isGreaterThan(10L * 40 * 3);

        names.setMaxItems(null);
        assertThat(CelCostEstimate.of(object, Sizes.RUN_TIME).unbounded()).singleElement().asString()
                .contains(".names", "maxItems");
        names.setMaxItems(10L);
        names.getItems().getSchema().setMaxLength(null);
        assertThat(CelCostEstimate.of(object, Sizes.RUN_TIME).unbounded()).singleElement().asString()
                .contains(".names[*]", "maxLength");
    }

    @Test
    void aMapRuleIsChargedByItsValuesAndRunsOncePerEnclosingListItem() {
        JSONSchemaProps labels = new JSONSchemaPropsBuilder().withType("object").withMaxProperties(8L)
                .withNewAdditionalProperties().withNewSchema().withType("string").withMaxLength(60L).endSchema().endAdditionalProperties()
                .addNewXKubernetesValidation().withRule("self.all(k, self[k].matches('^[a-z]{1,8}$'))").endXKubernetesValidation()
                .build();
        JSONSchemaProps list = new JSONSchemaPropsBuilder().withType("array").withMaxItems(5L)
                .withNewItems().withNewSchema().withType("object").withProperties(Map.of("labels", labels)).endSchema().endItems().build();
        JSONSchemaProps object = new JSONSchemaPropsBuilder().withType("object").withProperties(Map.of("items", list)).build();
        Cost cost = CelCostEstimate.of(object, Sizes.RUN_TIME).costs().get(0);
        // 8 values x ceil(60 x 0.1) x ceil(12 x 0.25), plus the loop's own steps; once per item of the list.
        assertThat(cost.perCall()).isBetween(8L * 6 * 3, 8L * 6 * 3 + 100);
        assertThat(cost.cardinality()).isEqualTo(5);

        labels.getAdditionalProperties().getSchema().setMaxLength(null);
        assertThat(CelCostEstimate.of(object, Sizes.RUN_TIME).unbounded()).singleElement().asString()
                .contains(".items[*].labels{*}", "maxLength");
    }

    private static void report(String kind, Result estimate) {
        Cost worst = estimate.worst();
        Cost dearestCall = estimate.costs().stream().max((a, b) -> Long.compare(a.perCall(), b.perCall())).orElseThrow();
        System.out.printf("CEL cost, %s: %d expressions, %,d in all; dearest rule %,d (%,d per call x %,d) at %s: %s;"
                        + " dearest call %,d at %s%n", kind, estimate.costs().size(), estimate.total(), worst.total(),
                worst.perCall(), worst.cardinality(), worst.path(), worst.expression(), dearestCall.perCall(), dearestCall.path());
    }
}
