package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.Default;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link RenderTable} is the whole of what a render takes, and the CRD model says what it says. */
class RenderTableTest {

    @Test
    void everyFieldOfTheRenderSectionIsASettingOfTheTableInitialisedAndAnnotatedWithItsDefault() throws Exception {
        List<String> fields = new ArrayList<>();
        RenderSettings settings = new RenderSettings();
        for (Field field : RenderSettings.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            if (field.getType() == TeaCacheSettings.class) {
                for (Field nested : TeaCacheSettings.class.getFields()) {
                    fields.add(field.getName() + "." + nested.getName());
                    assertDefault(field.getName() + "." + nested.getName(), nested, settings.teaCache);
                }
            } else {
                fields.add(field.getName());
                assertDefault(field.getName(), field, settings);
            }
        }

        assertThat(RenderTable.SETTINGS).extracting(RenderTable.Setting::name).containsExactlyInAnyOrderElementsOf(fields);
    }

    private static void assertDefault(String name, Field field, Object owner) throws IllegalAccessException {
        RenderTable.Setting setting = RenderTable.SETTINGS.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        assertThat(field.getAnnotation(Default.class).value()).as(name + "'s @Default").isEqualTo(setting.defaultValue());
        Object initial = field.get(owner);
        assertThat(initial instanceof Number number ? asCrdWritesIt(number) : String.valueOf(initial))
                .as(name + "'s initial value").isEqualTo(setting.defaultValue());
        assertThat(setting.bounds().accepts(initial)).as(name + "'s default within its bounds").isTrue();
    }

    /** 5.0 as the CRD writes it: 5. */
    private static String asCrdWritesIt(Number number) {
        double value = number.doubleValue();
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    @Test
    void aMissingSettingAndAnOutOfBoundsOneAreNamedTogether() {
        RenderSettings settings = new RenderSettings();
        settings.variant = null;
        settings.steps = 0;
        settings.teaCache = null;

        assertThat(settings.problems(name -> "render." + name)).containsExactly(
                "render.variant: must be inverted or f1",
                "render.steps: must be between 1 and 100 (got 0)",
                "render.teaCache.enabled: must be true or false",
                "render.teaCache.threshold: must be above 0 and at most 1 (got null)");
    }

    @Test
    void theDefaultsHaveNoProblem() {
        assertThat(new RenderSettings().problems(name -> name)).isEmpty();
    }
}
