package io.framepack.worker.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.WeightTransform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Merges LoRA files into base weights at load, as kohya-ss/musubi-tuner does
 * ({@code utils/lora_utils.py}, {@code load_safetensors_with_lora_and_fp8}): a hook on each stored
 * weight as it is read, {@code W ← W + scale · (up @ down) · alpha / rank}, one LoRA after the other
 * in the order given. FramePack-Studio's PEFT layers compute the same sum unmerged (goldens/creative).
 *
 * <p>The sum is taken in float32 on the widened stored weight and rounded to the model's compute
 * precision once, by the reader: musubi-tuner adds in PyTorch's promoted dtype (float32 for a float32
 * LoRA on bf16 weights) and casts to the model's dtype afterwards. For a LoRA stored in bf16 it adds
 * in bf16, rounding after the product and the sum; here the factors are widened and rounded once,
 * which can differ from it by a bf16 rounding step of the update.
 *
 * <p>Unlike the references, which skip (musubi-tuner warns) LoRA keys that match no weight, a key
 * that does not fit the model is an error naming it, raised before any weight is read: a LoRA for
 * another model must not load quietly.
 */
public final class LoraMerge implements WeightTransform {
    private static final String KOHYA_PREFIX = "lora_unet_";
    private static final String WEIGHT = ".weight";
    private static final String AMBIGUOUS = "";

    /** One LoRA file and the multiplier it is applied with. */
    public record ScaledLora(LoraFile lora, double scale) {
        public ScaledLora {
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("LoRA scale must be a finite number, got " + scale);
            }
        }
    }

    private record Update(LoraFile.Pair pair, float scale) {
    }

    /** Per model key, the updates of every LoRA that changes it, in the LoRAs' order. */
    private final Map<String, List<Update>> updates;

    private LoraMerge(Map<String, List<Update>> updates) {
        this.updates = updates;
    }

    /**
     * The merge of {@code loras} into a model with the weights {@code modelKeys}, whose stored
     * shapes {@code shapeOf} gives. Every LoRA key is matched and its shape checked here.
     */
    public static LoraMerge of(Set<String> modelKeys, Function<String, Shape> shapeOf, List<ScaledLora> loras) {
        Map<String, String> kohyaNames = kohyaNames(modelKeys);
        Map<String, List<Update>> updates = new LinkedHashMap<>();
        for (ScaledLora scaled : loras) {
            for (LoraFile.Pair pair : scaled.lora().pairs()) {
                String key = modelKey(pair, modelKeys, kohyaNames, scaled.lora());
                checkShapes(pair, shapeOf.apply(key), key, scaled.lora());
                updates.computeIfAbsent(key, k -> new ArrayList<>()).add(new Update(pair, (float) scaled.scale()));
            }
        }
        return new LoraMerge(updates);
    }

    /** The model keys the LoRAs change. */
    public Set<String> changedKeys() {
        return updates.keySet();
    }

    @Override
    public boolean changes(String key) {
        return updates.containsKey(key);
    }

    @Override
    public NDArray apply(String key, NDArray stored) {
        for (Update update : updates.get(key)) {
            NDArray up = update.pair().up().toDevice(stored.getDevice(), false);
            NDArray down = update.pair().down().toDevice(stored.getDevice(), false);
            try (NDArray delta = up.matMul(down)) {
                stored.addi(delta.muli(update.scale()).muli(update.pair().factor()));
            } finally {
                closeCopy(up, update.pair().up());
                closeCopy(down, update.pair().down());
            }
        }
        return stored;
    }

    /** A factor copied to the weight's device is freed after use; the LoRA's own array is kept. */
    private static void closeCopy(NDArray used, NDArray own) {
        if (used != own) {
            used.close();
        }
    }

    /** kohya name → model key for every weight; a name two keys share maps to {@link #AMBIGUOUS}. */
    private static Map<String, String> kohyaNames(Set<String> modelKeys) {
        Map<String, String> names = new HashMap<>();
        for (String key : modelKeys) {
            if (key.endsWith(WEIGHT)) {
                String name = KOHYA_PREFIX + key.substring(0, key.length() - WEIGHT.length()).replace('.', '_');
                names.merge(name, key, (a, b) -> AMBIGUOUS);
            }
        }
        return names;
    }

    private static String modelKey(LoraFile.Pair pair, Set<String> modelKeys, Map<String, String> kohyaNames,
                                   LoraFile lora) {
        if (pair.kohya()) {
            String key = kohyaNames.get(pair.target());
            if (key == null) {
                throw new LoraException(lora.path() + ": key " + pair.firstKey() + " matches no weight of the model");
            }
            if (key.equals(AMBIGUOUS)) {
                throw new LoraException(lora.path() + ": key " + pair.firstKey()
                        + " fits more than one weight of the model once '.' is read as '_'");
            }
            return key;
        }
        String key = pair.target() + WEIGHT;
        if (!modelKeys.contains(key)) {
            throw new LoraException(lora.path() + ": key " + pair.firstKey() + " matches no weight of the model (no "
                    + key + ")");
        }
        return key;
    }

    private static void checkShapes(LoraFile.Pair pair, Shape shape, String key, LoraFile lora) {
        if (shape.dimension() != 2 || shape.get(0) != pair.up().getShape().get(0)
                || shape.get(1) != pair.down().getShape().get(1)) {
            throw new LoraException(lora.path() + ": key " + pair.firstKey() + " makes a " + pair.up().getShape().get(0)
                    + "x" + pair.down().getShape().get(1) + " update, but " + key + " is " + shape);
        }
    }
}
