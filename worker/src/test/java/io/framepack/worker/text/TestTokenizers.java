package io.framepack.worker.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tokenizer files the tests write themselves (no network), with ids inside the tiny golden
 * models' vocabularies (LLaMA 128, CLIP 100) so the same files drive those models.
 */
final class TestTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final List<String> LLAMA_SPECIALS =
            List.of("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
    static final List<String> LLAMA_WORDS = List.of("[UNK]", "system", "user", "describe", ":", "a", "cat", "walks");
    /** A LLaMA-3-style chat template over the small vocabulary; 10 tokens precede the user text. */
    static final PromptTemplate TEMPLATE = new PromptTemplate(
            "<|start_header_id|>system<|end_header_id|> describe : <|eot_id|><|start_header_id|>user<|end_header_id|> {}<|eot_id|>",
            10);

    private TestTokenizers() {
    }

    /** A word-level tokenizer.json with LLaMA-3 special tokens and a BOS-adding post-processor. */
    static Path llamaTokenizerJson(Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocab = JSON.createObjectNode();
        int id = 0;
        for (String special : LLAMA_SPECIALS) {
            added.addObject().put("id", id).put("content", special).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
            vocab.put(special, id++);
        }
        for (String word : LLAMA_WORDS) {
            vocab.put(word, id++);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ObjectNode bos = post.putObject("special_tokens").putObject("<|begin_of_text|>");
        bos.put("id", "<|begin_of_text|>");
        bos.putArray("ids").add(0);
        bos.putArray("tokens").add("<|begin_of_text|>");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model").put("type", "WordLevel").put("unk_token", "[UNK]");
        model.set("vocab", vocab);
        Path file = dir.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    /**
     * A CLIP {@code tokenizer_2} folder as the HunyuanVideo checkpoint ships it: vocab.json (single
     * letters, letters with the {@code </w>} word end, a few merged words, start 98, end 99),
     * merges.txt and special_tokens_map.json.
     */
    static Path clipFolder(Path dir) throws IOException {
        ObjectNode vocab = JSON.createObjectNode();
        int id = 0;
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.put(String.valueOf(c), id++);
        }
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.put(c + "</w>", id++);
        }
        for (String merged : List.of("ca", "cat</w>", "th", "the</w>", "!</w>", "!")) {
            vocab.put(merged, id++);
        }
        vocab.put("<|startoftext|>", 98);
        vocab.put("<|endoftext|>", 99);
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("vocab.json").toFile(), vocab);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nc a\nca t</w>\nt h\nth e</w>\n");
        JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(),
                JSON.createObjectNode().put("pad_token", "<|endoftext|>"));
        return dir;
    }
}
