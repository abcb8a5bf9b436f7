package io.framepack.worker.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CLIP-L tokenizer as FramePack runs it: the slow {@code CLIPTokenizer} without {@code ftfy},
 * padded and truncated to 77 ids.
 *
 * <p>Supported exactly: the slow tokenizer's clean-up (control characters dropped, whitespace runs
 * collapsed, CJK ideographs split into single characters, NFC, lower case) is done here, then
 * byte-level BPE with {@code </w>} word ends runs in DJL's Hugging Face tokenizer over the
 * checkpoint's {@code tokenizer.json} if the folder has one, else over one built from
 * {@code vocab.json} + {@code merges.txt} (the files of {@code tokenizer_2/}). Not reproduced:
 * {@code ftfy} repairs (FramePack does not install ftfy) and Unicode-version differences between
 * Java's and Python's character tables for rare scripts.
 */
public final class ClipPromptTokenizer implements AutoCloseable {
    public static final int DEFAULT_MAX_LENGTH = 77;
    private static final String START = "<|startoftext|>";
    private static final String END = "<|endoftext|>";
    /** The slow tokenizer reads only this many merges ({@code 49152 − 256 − 2}). */
    private static final int MAX_MERGES = 49152 - 256 - 2;
    /** The pre-tokenisation pattern of the slow tokenizer (its {@code self.pat}). */
    private static final String WORD_PATTERN =
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final long startId;
    private final long endId;
    private final long padId;
    private final int maxLength;

    private ClipPromptTokenizer(HuggingFaceTokenizer tokenizer, long startId, long endId, long padId, int maxLength) {
        this.tokenizer = tokenizer;
        this.startId = startId;
        this.endId = endId;
        this.padId = padId;
        this.maxLength = maxLength;
    }

    /** Opens a {@code tokenizer_2} folder: {@code tokenizer.json}, or {@code vocab.json} + {@code merges.txt}. */
    public static ClipPromptTokenizer open(Path folder, int maxLength) throws IOException {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must leave room for the start and end tokens");
        }
        Path fast = folder.resolve("tokenizer.json");
        JsonNode definition = Files.isRegularFile(fast) ? JSON.readTree(fast.toFile()) : buildDefinition(folder);
        JsonNode vocab = definition.path("model").path("vocab");
        String padToken = padToken(folder);
        for (String token : List.of(START, END, padToken)) {
            if (!vocab.has(token)) {
                throw new IOException("CLIP vocabulary in " + folder + " has no " + token);
            }
        }
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(JSON.writeValueAsBytes(definition)),
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        return new ClipPromptTokenizer(tokenizer, vocab.get(START).asLong(), vocab.get(END).asLong(),
                vocab.get(padToken).asLong(), maxLength);
    }

    /** {@code [start, prompt tokens…, end, pad…]}, exactly {@code maxLength} ids. */
    public TokenizedPrompt tokenize(String prompt) {
        String cleaned = cleanUp(prompt);
        long[] words = cleaned.isEmpty() ? new long[0] : tokenizer.encode(cleaned, false, false).getIds();
        int room = maxLength - 2;
        boolean truncated = words.length > room;
        long[] ids = new long[maxLength];
        Arrays.fill(ids, padId);
        ids[0] = startId;
        int kept = Math.min(words.length, room);
        System.arraycopy(words, 0, ids, 1, kept);
        ids[kept + 1] = endId;
        return new TokenizedPrompt(ids, truncated);
    }

    /**
     * The slow tokenizer's {@code BasicTokenizer} pass (no accent stripping, no punctuation split):
     * control characters removed, whitespace normalised, CJK ideographs spaced out, NFC, lower case,
     * words joined by single spaces.
     */
    static String cleanUp(String text) {
        StringBuilder spaced = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                spaced.append(' ');
            } else if (isCjkIdeograph(cp)) {
                spaced.append(' ').appendCodePoint(cp).append(' ');
            } else {
                spaced.appendCodePoint(cp);
            }
        });
        String normalised = Normalizer.normalize(spaced, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(normalised.length());
        for (String word : normalised.split(" ")) {
            String trimmed = word.strip();
            if (!trimmed.isEmpty()) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                out.append(trimmed.toLowerCase(Locale.ROOT));
            }
        }
        return out.toString();
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE || type == Character.UNASSIGNED;
    }

    private static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** The checkpoint's pad token ({@code special_tokens_map.json} or {@code tokenizer_config.json}), else end-of-text. */
    private static String padToken(Path folder) throws IOException {
        for (String name : List.of("special_tokens_map.json", "tokenizer_config.json")) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                JsonNode pad = JSON.readTree(file.toFile()).path("pad_token");
                if (pad.isTextual()) {
                    return pad.asText();
                }
                if (pad.has("content")) {
                    return pad.get("content").asText();
                }
            }
        }
        return END;
    }

    /** A Rust-tokenizers definition equivalent to the slow tokenizer after its clean-up. */
    private static JsonNode buildDefinition(Path folder) throws IOException {
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(mergesFile)) {
            throw new IOException("CLIP tokenizer folder " + folder
                    + " needs tokenizer.json, or vocab.json and merges.txt");
        }
        JsonNode vocab = JSON.readTree(vocabFile.toFile());
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException(vocabFile + " is not a token → id map");
        }
        List<String> lines = List.of(Files.readString(mergesFile, StandardCharsets.UTF_8).strip().split("\n"));
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of(START, END)) {
            if (vocab.has(special)) {
                added.addObject().put("id", vocab.get(special).asInt()).put("content", special)
                        .put("single_word", false).put("lstrip", false).put("rstrip", false)
                        .put("normalized", true).put("special", true);
            }
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "NFC");
        ObjectNode collapse = normalizers.addObject().put("type", "Replace").put("content", " ");
        collapse.putObject("pattern").put("Regex", "\\s+");
        normalizers.addObject().put("type", "Lowercase");
        ObjectNode preTokenizer = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = preTokenizer.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split").put("behavior", "Removed").put("invert", true);
        split.putObject("pattern").put("Regex", WORD_PATTERN);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", END).put("continuing_subword_prefix", "").put("end_of_word_suffix", "</w>")
                .put("fuse_unk", false).put("byte_fallback", false);
        model.set("vocab", vocab);
        ArrayNode merges = model.putArray("merges");
        lines.stream().skip(1).limit(MAX_MERGES).map(String::strip).filter(l -> !l.isEmpty()).forEach(merges::add);
        return root;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
