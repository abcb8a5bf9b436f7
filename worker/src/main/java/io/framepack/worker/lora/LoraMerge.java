package io.framepack.worker.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges LoRA files into base weights at load, as kohya-ss/musubi-tuner does
 * ({@code utils/lora_utils.py}, {@code load_safetensors_with_lora_and_fp8}):
 * {@code W ← W + scale · (up @ down) · alpha / rank}, in float32, one LoRA after the other in the
 * order given. FramePack-Studio's PEFT layers compute the same sum unmerged (goldens/creative).
 *
 * <p>Unlike the references, which skip (musubi-tuner warns) LoRA keys that match no weight, a key
 * that does not fit the model is an error naming it: a LoRA for another model must not load quietly.
 */
public final class LoraMerge {
    private static final String KOHYA_PREFIX = "lora_unet_";
    private static final String WEIGHT = ".weight";
    private static final String AMBIGUOUS = "";

    private LoraMerge() {
    }

    /** One LoRA file and the multiplier it is applied with. */
    public record ScaledLora(LoraFile lora, double scale) {
        public ScaledLora {
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("LoRA scale must be a finite number, got " + scale);
            }
        }
    }

    /**
     * The weights the LoRAs change, merged; keys of {@code base} they do not touch are left out.
     * Arrays come on the base arrays' manager; {@code base} is not modified.
     */
    public static Map<String, NDArray> merge(Map<String, NDArray> base, List<ScaledLora> loras) {
        Map<String, String> kohyaNames = kohyaNames(base);
        Map<String, NDArray> merged = new LinkedHashMap<>();
        for (ScaledLora scaled : loras) {
            for (LoraFile.Pair pair : scaled.lora().pairs()) {
                String key = modelKey(pair, base, kohyaNames, scaled.lora());
                NDArray weight = merged.getOrDefault(key, base.get(key));
                checkShapes(pair, weight, key, scaled.lora());
                NDArray delta = pair.up().matMul(pair.down()).muli((float) scaled.scale()).muli(pair.factor());
                NDArray sum = weight.toType(DataType.FLOAT32, false).add(delta);
                delta.close();
                NDArray previous = merged.put(key, sum);
                if (previous != null) {
                    previous.close();
                }
            }
        }
        return merged;
    }

    /** kohya name → model key for every weight; a name two keys share maps to {@link #AMBIGUOUS}. */
    private static Map<String, String> kohyaNames(Map<String, NDArray> base) {
        Map<String, String> names = new HashMap<>();
        for (String key : base.keySet()) {
            if (key.endsWith(WEIGHT)) {
                String name = KOHYA_PREFIX + key.substring(0, key.length() - WEIGHT.length()).replace('.', '_');
                names.merge(name, key, (a, b) -> AMBIGUOUS);
            }
        }
        return names;
    }

    private static String modelKey(LoraFile.Pair pair, Map<String, NDArray> base, Map<String, String> kohyaNames,
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
        if (!base.containsKey(key)) {
            throw new LoraException(lora.path() + ": key " + pair.firstKey() + " matches no weight of the model (no "
                    + key + ")");
        }
        return key;
    }

    private static void checkShapes(LoraFile.Pair pair, NDArray weight, String key, LoraFile lora) {
        Shape shape = weight.getShape();
        if (shape.dimension() != 2 || shape.get(0) != pair.up().getShape().get(0)
                || shape.get(1) != pair.down().getShape().get(1)) {
            throw new LoraException(lora.path() + ": key " + pair.firstKey() + " makes a " + pair.up().getShape().get(0)
                    + "x" + pair.down().getShape().get(1) + " update, but " + key + " is " + shape);
        }
    }
}
