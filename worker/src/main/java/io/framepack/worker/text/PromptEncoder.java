package io.framepack.worker.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;

/**
 * FramePack's {@code encode_prompt_conds} followed by {@code crop_or_pad_yield_mask(…, 512)}: the
 * templated prompt through LLaMA ({@code hidden_states[-3]}, template positions cropped, zero-padded
 * to 512 with a mask) and the raw prompt through CLIP-L (pooled). Outputs are rounded to the
 * transformer's precision, as the official code casts the fp16 encoder outputs to bfloat16.
 */
public final class PromptEncoder implements AutoCloseable {
    /** The text length the transformer's refiner takes ({@code crop_or_pad_yield_mask} length). */
    public static final int PADDED_LENGTH = 512;

    private final LlamaPromptTokenizer llamaTokenizer;
    private final ClipPromptTokenizer clipTokenizer;

    public PromptEncoder(LlamaPromptTokenizer llamaTokenizer, ClipPromptTokenizer clipTokenizer) {
        this.llamaTokenizer = llamaTokenizer;
        this.clipTokenizer = clipTokenizer;
    }

    /**
     * @param output the precision the transformer computes in; bfloat16 rounding goes through {@code kernels}
     */
    public PromptEmbedding encode(String prompt, LlamaTextEncoder llama, ClipTextEncoder clip, Precision output,
                                  Kernels kernels, NDManager manager) {
        TokenizedPrompt llamaTokens = llamaTokenizer.tokenize(prompt);
        TokenizedPrompt clipTokens = clipTokenizer.tokenize(prompt);
        int cropStart = llamaTokenizer.template().cropStart();
        try (NDManager scope = manager.newSubManager()) {
            NDArray states = llama.encode(llamaTokens.ids());
            states.attach(scope);
            NDArray kept = states.get(new NDIndex(":, {}:", cropStart)).toType(DataType.FLOAT32, false);
            int length = Math.min((int) kept.getShape().get(1), PADDED_LENGTH);
            long width = kept.getShape().get(2);
            NDArray padded = length == PADDED_LENGTH ? kept.get(new NDIndex(":, :{}", PADDED_LENGTH))
                    : NDArrays.concat(new NDList(kept, scope.zeros(new Shape(1, PADDED_LENGTH - length, width))), 1);
            boolean[] mask = new boolean[PADDED_LENGTH];
            java.util.Arrays.fill(mask, 0, length, true);
            NDArray pooled = clip.pooled(clipTokens.ids());
            pooled.attach(scope);
            NDArray llamaStates = toOutput(padded, output, kernels);
            NDArray clipPooled = toOutput(pooled.toType(DataType.FLOAT32, false), output, kernels);
            NDArray llamaMask = manager.create(mask, new Shape(1, PADDED_LENGTH));
            llamaStates.attach(manager);
            clipPooled.attach(manager);
            return new PromptEmbedding(llamaStates, llamaMask, clipPooled,
                    llamaTokens.truncated() || clipTokens.truncated());
        }
    }

    /**
     * The demo's negative prompt without real CFG: zeros of {@code like}'s shapes in {@code output},
     * with {@code like}'s mask. Made as float32 zeros and rounded, because DJL cannot create a
     * bfloat16 array ({@code zerosLike()} of one aborts the JVM).
     */
    public static PromptEmbedding zerosLike(PromptEmbedding like, Precision output, Kernels kernels) {
        return new PromptEmbedding(zeros(like.llamaStates(), output, kernels), like.llamaMask(),
                zeros(like.clipPooled(), output, kernels), false);
    }

    private static NDArray zeros(NDArray like, Precision output, Kernels kernels) {
        return toOutput(like.getManager().zeros(like.getShape(), DataType.FLOAT32, like.getDevice()), output, kernels);
    }

    private static NDArray toOutput(NDArray float32, Precision output, Kernels kernels) {
        return output == Precision.BFLOAT16 ? kernels.toBfloat16(float32) : float32;
    }

    @Override
    public void close() {
        llamaTokenizer.close();
        clipTokenizer.close();
    }
}
