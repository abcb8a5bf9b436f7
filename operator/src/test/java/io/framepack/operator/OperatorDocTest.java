package io.framepack.operator;

import io.framepack.api.v1alpha1.RenderTable;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator doc states the render settings as {@link RenderTable} does: defaults and bounds are said there once. */
class OperatorDocTest {
    private static final Path DOC = Path.of("..", "src", "docs", "operator.md");

    @Test
    void theSpecTablesRenderRowListsEverySettingWithTheTablesDefaultAndBounds() throws IOException {
        String renderRow = Files.readAllLines(DOC).stream().filter(line -> line.startsWith("| `render` |"))
                .findFirst().orElseThrow(() -> new AssertionError(DOC + " has no `render` row in its spec table"));
        String settings = RenderTable.SETTINGS.stream()
                .map(setting -> "`" + setting.name() + "` " + setting.defaultValue() + " (" + setting.bounds().describe() + ")")
                .collect(Collectors.joining(", "));

        assertThat(renderRow).as("the render row of " + DOC.normalize() + " (write it from RenderTable)")
                .startsWith("| `render` | " + settings + ":");
    }
}
