package io.framepack.worker.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tokenisation with files the test writes itself: template, crop bounds, truncation, padding. */
class TokenizerTest {
    @TempDir
    Path dir;

    @Test
    void llamaTokenizerAddsBeginOfTextAndTheTemplate() throws IOException {
        try (LlamaPromptTokenizer tokenizer = LlamaPromptTokenizer.open(TestTokenizers.llamaTokenizerJson(dir),
                TestTokenizers.TEMPLATE, 256)) {
            TokenizedPrompt tokens = tokenizer.tokenize("a cat walks");
            // BOS, <sh> system <eh> describe : <eot> <sh> user <eh> | a cat walks <eot>
            assertThat(tokens.ids()).containsExactly(0, 1, 5, 2, 7, 8, 3, 1, 6, 2, 9, 10, 11, 3);
            assertThat(tokens.truncated()).isFalse();
            assertThat(tokenizer.tokenize("").ids()).hasSize(11).endsWith(3);
            assertThat(tokenizer.tokenize("a dog").ids()).containsSubsequence(9L, 4L);
        }
    }

    @Test
    void llamaTokenizerCutsLongPromptsAfterTheLimitLikeTheOfficialTruncation() throws IOException {
        try (LlamaPromptTokenizer tokenizer = LlamaPromptTokenizer.open(TestTokenizers.llamaTokenizerJson(dir),
                TestTokenizers.TEMPLATE, 4)) {
            TokenizedPrompt exact = tokenizer.tokenize("a cat walks");
            assertThat(exact.truncated()).isFalse();
            assertThat(exact.ids()).hasSize(14);
            TokenizedPrompt cut = tokenizer.tokenize("a cat walks a cat");
            assertThat(cut.truncated()).isTrue();
            // 10 template tokens + 4 prompt tokens; the closing <|eot_id|> is cut, as with truncation=True.
            assertThat(cut.ids()).hasSize(14).endsWith(9);
        }
        try (LlamaPromptTokenizer tokenizer = LlamaPromptTokenizer.open(TestTokenizers.llamaTokenizerJson(dir),
                TestTokenizers.TEMPLATE, LlamaPromptTokenizer.DEFAULT_MAX_PROMPT_TOKENS)) {
            // Longer than DJL's own default limit (512): nothing may cut it before the official limit does.
            TokenizedPrompt cut = tokenizer.tokenize("a cat walks ".repeat(300));
            assertThat(cut.truncated()).isTrue();
            assertThat(cut.ids()).hasSize(10 + 256);
        }
    }

    @Test
    void clipTokenizerBuildsBpeFromVocabAndMergesWithTheSlowTokenizersCleanUp() throws IOException {
        try (ClipPromptTokenizer tokenizer = ClipPromptTokenizer.open(TestTokenizers.clipFolder(dir.resolve("clip")),
                ClipPromptTokenizer.DEFAULT_MAX_LENGTH)) {
            TokenizedPrompt tokens = tokenizer.tokenize("The \t CAT!\u0007");
            long[] expected = new long[77];
            Arrays.fill(expected, 99);
            expected[0] = 98;
            expected[1] = 55; // the</w>
            expected[2] = 53; // cat</w>
            expected[3] = 56; // !</w>
            assertThat(tokens.ids()).containsExactly(expected);
            assertThat(tokens.truncated()).isFalse();
            assertThat(tokenizer.tokenize("").ids()).startsWith(98, 99, 99).hasSize(77);
            // Unmerged letters end words with their </w> form: "ab" -> a, b</w>.
            assertThat(tokenizer.tokenize("ab").ids()).startsWith(98, 0, 27, 99);
        }
    }

    @Test
    void clipTokenizerKeeps75TokensBetweenStartAndEnd() throws IOException {
        try (ClipPromptTokenizer tokenizer = ClipPromptTokenizer.open(TestTokenizers.clipFolder(dir.resolve("clip")),
                ClipPromptTokenizer.DEFAULT_MAX_LENGTH)) {
            TokenizedPrompt tokens = tokenizer.tokenize("cat ".repeat(80));
            assertThat(tokens.truncated()).isTrue();
            assertThat(tokens.ids()).hasSize(77).startsWith(98, 53).endsWith(53, 99);
            assertThat(tokenizer.tokenize("cat ".repeat(75)).truncated()).isFalse();
        }
    }

    @Test
    void slowTokenizerCleanUpSpacesIdeographsAndDropsControls() {
        assertThat(ClipPromptTokenizer.cleanUp("  A\u00a0Cat\u200b 猫猫 ")).isEqualTo("a cat 猫 猫");
        assertThat(ClipPromptTokenizer.cleanUp("Cafe\u0301")).isEqualTo("café");
    }

    @Test
    void missingTokenizerFilesAreNamed() {
        assertThatThrownBy(() -> ClipPromptTokenizer.open(dir, 77)).hasMessageContaining("vocab.json");
        assertThatThrownBy(() -> LlamaPromptTokenizer.open(dir, PromptTemplate.HUNYUAN_VIDEO, 256))
                .hasMessageContaining("tokenizer.json");
    }

    @Test
    void hunyuanTemplateIsTheOfficialString() {
        String filled = PromptTemplate.HUNYUAN_VIDEO.apply("a cat {x}");
        assertThat(filled).startsWith("<|start_header_id|>system<|end_header_id|>\n\nDescribe the video")
                .contains("theme of the video.2. The color").endsWith("user<|end_header_id|>\n\na cat {x}<|eot_id|>");
        assertThat(PromptTemplate.HUNYUAN_VIDEO.cropStart()).isEqualTo(95);
    }
}
