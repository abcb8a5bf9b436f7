package io.framepack.worker.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.image.SiglipVisionConfig;
import io.framepack.worker.image.SiglipVisionEncoder;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.tensor.Sha256;
import io.framepack.worker.tensor.TensorFormatException;
import io.framepack.worker.text.ClipTextConfig;
import io.framepack.worker.text.ClipTextEncoder;
import io.framepack.worker.text.LlamaConfig;
import io.framepack.worker.text.LlamaTextEncoder;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.VaeConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A FramePack model directory in the layout {@link Component} documents: where each component
 * lives, a validation that needs no GPU and reads no weights (configs parse, safetensors headers
 * and index shards are complete, weights fit their configs), and a cheap identity for checkpoints.
 */
public final class ModelDirectory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;

    private ModelDirectory(Path root) {
        this.root = root;
    }

    public static ModelDirectory at(Path root) {
        return new ModelDirectory(root.toAbsolutePath().normalize());
    }

    public Path root() {
        return root;
    }

    /** The folder of {@code component}, e.g. {@code <root>/hunyuanvideo/vae}. */
    public Path path(Component component) {
        return root.resolve(component.relativePath());
    }

    /** Validates every component; see {@link #validate(Set)}. */
    public ModelDirectory validate() {
        return validate(EnumSet.allOf(Component.class));
    }

    /**
     * Checks the given components and throws one {@link ModelDirectoryException} listing every
     * problem found: missing folders and files, unparseable configs, truncated or unreadable
     * safetensors, shards an index names but that are absent, weights that do not fit the config.
     */
    public ModelDirectory validate(Set<Component> components) {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            throw new ModelDirectoryException(root.toString(), List.of("the folder does not exist"));
        }
        for (Component component : components) {
            problems.addAll(problems(component));
        }
        if (!problems.isEmpty()) {
            throw new ModelDirectoryException(root.toString(), problems);
        }
        return this;
    }

    private List<String> problems(Component component) {
        Path dir = path(component);
        String name = component.relativePath();
        if (!Files.isDirectory(dir)) {
            return List.of(name + ": missing component folder " + dir + " (expected " + component.source() + ")");
        }
        List<String> problems = new ArrayList<>();
        JsonNode config = null;
        for (String file : component.requiredFiles()) {
            Path path = dir.resolve(file);
            if (component == Component.TOKENIZER_2 && Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                break; // a fast CLIP tokenizer replaces vocab.json + merges.txt
            }
            if (!Files.isRegularFile(path)) {
                problems.add(name + "/" + file + ": missing (expected in " + component.source() + ")");
            } else if (file.endsWith(".json")) {
                try {
                    JsonNode parsed = JSON.readTree(path.toFile());
                    if (parsed == null || !parsed.isObject()) {
                        problems.add(name + "/" + file + ": not a JSON object");
                    } else if (file.equals("config.json")) {
                        config = parsed;
                    }
                } catch (JsonProcessingException e) {
                    problems.add(name + "/" + file + ": not valid JSON (" + e.getOriginalMessage() + ")");
                } catch (IOException e) {
                    problems.add(name + "/" + file + ": unreadable (" + e.getMessage() + ")");
                }
            }
        }
        if (component.kind() == Component.Kind.WEIGHTS) {
            try (SafetensorsWeights weights = SafetensorsWeights.open(dir, Precision.FLOAT32, new DjlKernels())) {
                if (config != null) {
                    checkWeightLayout(component, config, weights);
                }
            } catch (TensorFormatException | IllegalArgumentException e) {
                problems.add(name + ": " + e.getMessage());
            } catch (IOException e) {
                problems.add(name + ": unreadable weights (" + e + ")");
            }
        }
        return problems;
    }

    /**
     * Has the component's model check, from the safetensors headers only, that the weights fit
     * its {@code config.json}: each model builds itself on the headers, so the key names and
     * shapes are those its layers load. Throws {@link TensorFormatException} (or
     * IllegalArgumentException for a bad config) naming the first misfit.
     */
    private static void checkWeightLayout(Component component, JsonNode config, SafetensorsWeights weights) {
        switch (component) {
            case VAE -> HunyuanVideoVae.checkCheckpoint(weights, VaeConfig.fromJson(config));
            case TRANSFORMER -> PackedTransformer.checkCheckpoint(weights, TransformerConfig.fromJson(config));
            case TEXT_ENCODER -> LlamaTextEncoder.checkCheckpoint(weights, LlamaConfig.fromJson(config));
            case TEXT_ENCODER_2 -> ClipTextEncoder.checkCheckpoint(weights, ClipTextConfig.fromJson(config));
            case IMAGE_ENCODER -> SiglipVisionEncoder.checkCheckpoint(weights, SiglipVisionConfig.fromJson(config));
            default -> throw new IllegalArgumentException(component + " has no weights");
        }
    }

    /**
     * A cheap identity of the model for checkpoints: SHA-256 over every component's JSON files
     * (configs, indexes, tokenizers) and each safetensors file's name, size and header. Headers
     * hold every tensor's name, shape and byte range, so two checkpoints of one architecture that
     * differ in any layout tell apart; equal headers with different values (a fine-tune of the
     * same shapes) do not — that would need hashing gigabytes at every start.
     */
    public String identity() throws IOException {
        MessageDigest digest = Sha256.newDigest();
        for (Component component : Component.values()) {
            Path dir = path(component);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                boolean json = fileName.endsWith(".json") || fileName.endsWith(".txt");
                boolean weights = fileName.endsWith(".safetensors");
                if (!json && !weights) {
                    continue;
                }
                digest.update((component.relativePath() + "/" + fileName + "\n" + Files.size(file) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                digest.update(json ? Files.readAllBytes(file) : safetensorsHeader(file));
            }
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The file's safetensors header; nothing for a file whose header length does not fit it (the
     * identity need not tell broken files apart: {@link #validate()} rejects them).
     */
    private static byte[] safetensorsHeader(Path file) throws IOException {
        try {
            return SafetensorsFile.readHeader(file);
        } catch (TensorFormatException e) {
            return new byte[0];
        }
    }
}
