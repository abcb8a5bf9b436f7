package io.framepack.worker.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.framepack.worker.tensor.SafetensorsFile;
import io.framepack.worker.tensor.TensorDecoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The low-rank pairs of one LoRA file, in float32, each with the factor {@code alpha / rank} its
 * layout implies. Keys are checked in sorted order, so the error for a file names the same key
 * every time.
 *
 * <ul>
 *   <li>diffusers/PEFT: {@code [transformer.|diffusion_model.]<module>.lora_A.weight} {@code [rank, in]}
 *       and {@code lora_B.weight} {@code [out, rank]}. FramePack-Studio loads them with
 *       {@code network_alphas=None}, so alpha is the rank and {@code .alpha} keys are ignored.</li>
 *   <li>kohya/musubi-tuner: {@code lora_unet_<module with '.' as '_'>.lora_down.weight},
 *       {@code lora_up.weight} and an optional scalar {@code .alpha} (default: the rank).</li>
 * </ul>
 */
public final class LoraFile {
    private static final Pattern DIFFUSERS = Pattern.compile(
            "(?:transformer\\.|diffusion_model\\.)?(.+)\\.(lora_A|lora_B)\\.weight");
    /** A module path has dots, a kohya name none: {@code lora_xxx.alpha} is not a diffusers alpha. */
    private static final Pattern DIFFUSERS_ALPHA = Pattern.compile(
            "(?:transformer\\.|diffusion_model\\.)?[^.]+\\..+\\.alpha");
    private static final Pattern KOHYA = Pattern.compile("(lora_unet_[^.]+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");

    /**
     * One low-rank pair. {@code target} is the module path ({@code transformer_blocks.0.attn.to_q})
     * for diffusers names, the kohya name ({@code lora_unet_transformer_blocks_0_attn_to_q}) otherwise;
     * {@code down} is {@code [rank, in]}, {@code up} {@code [out, rank]}, {@code factor} alpha / rank;
     * {@code firstKey} names the pair in errors.
     */
    public record Pair(String target, boolean kohya, NDArray down, NDArray up, float factor, String firstKey) {
    }

    private final Path path;
    private final List<Pair> pairs;

    private LoraFile(Path path, List<Pair> pairs) {
        this.path = path;
        this.pairs = pairs;
    }

    public Path path() {
        return path;
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public static LoraFile read(Path path, NDManager manager) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            Map<String, Parts> byTarget = new TreeMap<>();
            for (String key : new TreeMap<>(file.entries()).keySet()) {
                Matcher kohya = KOHYA.matcher(key);
                Matcher diffusers = DIFFUSERS.matcher(key);
                if (kohya.matches()) {
                    byTarget.computeIfAbsent(kohya.group(1), t -> new Parts(true, key)).put(kohya.group(2), key);
                } else if (diffusers.matches()) {
                    byTarget.computeIfAbsent(diffusers.group(1), t -> new Parts(false, key))
                            .put(diffusers.group(2).equals("lora_A") ? "lora_down.weight" : "lora_up.weight", key);
                } else if (!DIFFUSERS_ALPHA.matcher(key).matches()) {
                    throw new LoraException(path + ": key " + key + " is not a LoRA weight of the transformer "
                            + "(expected transformer.<module>.lora_A/lora_B.weight or lora_unet_<module>.lora_down/"
                            + "lora_up.weight)");
                }
            }
            if (byTarget.isEmpty()) {
                throw new LoraException(path + ": holds no LoRA weights");
            }
            List<Pair> pairs = new ArrayList<>();
            for (Map.Entry<String, Parts> target : byTarget.entrySet()) {
                pairs.add(target.getValue().pair(path, file, target.getKey(), manager));
            }
            return new LoraFile(path, List.copyOf(pairs));
        }
    }

    /** The keys found for one target, filled while scanning the file. */
    private static final class Parts {
        private final boolean kohya;
        private final String firstKey;
        private final Map<String, String> keys = new TreeMap<>();

        Parts(boolean kohya, String firstKey) {
            this.kohya = kohya;
            this.firstKey = firstKey;
        }

        void put(String part, String key) {
            if (keys.put(part, key) != null) {
                throw new LoraException("two keys name the same LoRA weight: " + keys.get(part) + " and " + key);
            }
        }

        Pair pair(Path path, SafetensorsFile file, String target, NDManager manager) throws IOException {
            String downKey = keys.get("lora_down.weight");
            String upKey = keys.get("lora_up.weight");
            if (downKey == null || upKey == null) {
                throw new LoraException(path + ": key " + firstKey + " has no " + (downKey == null ? "down (A)" : "up (B)")
                        + " partner");
            }
            NDArray down = matrix(path, file, downKey, manager);
            NDArray up = matrix(path, file, upKey, manager);
            long rank = down.getShape().get(0);
            if (up.getShape().get(1) != rank) {
                throw new LoraException(path + ": key " + upKey + " has shape " + up.getShape() + ", but its rank must be "
                        + rank + " as in " + downKey);
            }
            float alpha = rank;
            String alphaKey = keys.get("alpha");
            if (alphaKey != null) {
                try (NDArray value = TensorDecoder.decode(file, file.entry(alphaKey), manager)) {
                    if (value.size() != 1) {
                        throw new LoraException(path + ": key " + alphaKey + " must be one number, has shape "
                                + value.getShape());
                    }
                    alpha = value.toType(DataType.FLOAT32, false).toFloatArray()[0];
                }
                if (!Float.isFinite(alpha)) {
                    throw new LoraException(path + ": key " + alphaKey + " is " + alpha);
                }
            }
            return new Pair(target, kohya, down, up, alpha / rank, firstKey);
        }

        private static NDArray matrix(Path path, SafetensorsFile file, String key, NDManager manager) throws IOException {
            SafetensorsFile.Entry entry = file.entry(key);
            if (entry.shape().length != 2 || entry.shape()[0] == 0 || entry.shape()[1] == 0) {
                throw new LoraException(path + ": key " + key + " must be a non-empty matrix (a linear layer's LoRA), "
                        + "has shape " + Arrays.toString(entry.shape()));
            }
            try (NDArray raw = TensorDecoder.decode(file, entry, manager)) {
                if (!raw.getDataType().isFloating()) {
                    throw new LoraException(path + ": key " + key + " holds " + raw.getDataType() + ", not floats");
                }
                return raw.toType(DataType.FLOAT32, true);
            }
        }
    }
}
