package io.framepack.worker.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.util.function.UnaryOperator;

/** Small operations the text and image encoders share: lookups, masks, head layout, activations by name. */
public final class EncoderOps {
    private EncoderOps() {
    }

    /** Rows {@code ids} of an embedding table {@code [vocab, D]}, as {@code [1, N, D]}. */
    public static NDArray embed(NDArray table, long[] ids) {
        long vocab = table.getShape().get(0);
        for (long id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " outside the embedding table of " + vocab);
            }
        }
        try (NDArray index = table.getManager().create(ids)) {
            return table.get(new NDIndex("{}", index)).expandDims(0);
        }
    }

    /** Boolean {@code [N, N]}: position i may attend to j ≤ i. */
    public static NDArray causalMask(NDManager manager, long n) {
        NDArray positions = manager.arange(0, n, 1, DataType.INT64);
        return positions.reshape(1, n).lte(positions.reshape(n, 1));
    }

    /** {@code [B, N, H·D]} → {@code [B, H, N, D]}. */
    public static NDArray splitHeads(NDArray x, long heads) {
        long[] s = x.getShape().getShape();
        return x.reshape(s[0], s[1], heads, s[2] / heads).transpose(0, 2, 1, 3);
    }

    /** {@code [B, H, N, D]} → {@code [B, N, H·D]}. */
    public static NDArray mergeHeads(NDArray x) {
        long[] s = x.getShape().getShape();
        return x.transpose(0, 2, 1, 3).reshape(s[0], s[2], s[1] * s[3]);
    }

    /** The activation a Hugging Face config names in {@code hidden_act}. */
    public static UnaryOperator<NDArray> activation(String hiddenAct) {
        return switch (hiddenAct) {
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> Activations::geluTanh;
            case "gelu" -> Activations::gelu;
            case "quick_gelu" -> Activations::quickGelu;
            case "silu", "swish" -> Activations::silu;
            default -> throw new IllegalArgumentException("hidden_act " + hiddenAct + " is not supported");
        };
    }
}
