package io.framepack.worker.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Tokenises the templated prompt for the LLaMA encoder with the checkpoint's {@code tokenizer.json}
 * (a Rust "tokenizers" file, which is what {@code LlamaTokenizerFast} runs), keeping at most
 * {@code cropStart + maxPromptTokens} tokens as the official call with {@code truncation=True} does.
 * Padding is not produced: the encoder takes real tokens only.
 */
public final class LlamaPromptTokenizer implements AutoCloseable {
    /** FramePack's {@code max_length}: prompt tokens kept after the template crop. */
    public static final int DEFAULT_MAX_PROMPT_TOKENS = 256;

    private final HuggingFaceTokenizer tokenizer;
    private final PromptTemplate template;
    private final int maxPromptTokens;

    private LlamaPromptTokenizer(HuggingFaceTokenizer tokenizer, PromptTemplate template, int maxPromptTokens) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.maxPromptTokens = maxPromptTokens;
    }

    /** @param tokenizerJson the {@code tokenizer/tokenizer.json} of the checkpoint, or its folder */
    public static LlamaPromptTokenizer open(Path tokenizerJson, PromptTemplate template, int maxPromptTokens)
            throws IOException {
        Path file = Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no LLaMA tokenizer file " + file + " (expected the checkpoint's tokenizer.json)");
        }
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(file,
                Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        return new LlamaPromptTokenizer(tokenizer, template, maxPromptTokens);
    }

    public PromptTemplate template() {
        return template;
    }

    /** The templated prompt's ids, at most {@code cropStart + maxPromptTokens} long. */
    public TokenizedPrompt tokenize(String prompt) {
        long[] ids = tokenizer.encode(template.apply(prompt), true, false).getIds();
        int limit = template.cropStart() + maxPromptTokens;
        if (ids.length <= template.cropStart()) {
            throw new IllegalStateException("the templated prompt has " + ids.length + " tokens, not more than the "
                    + template.cropStart() + " the template crops: tokenizer and template do not belong together");
        }
        return ids.length > limit ? new TokenizedPrompt(Arrays.copyOf(ids, limit), true)
                : new TokenizedPrompt(ids, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
