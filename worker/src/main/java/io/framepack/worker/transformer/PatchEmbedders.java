package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.Numerics;

/**
 * Latents to tokens ({@code process_input_hidden_states}): the noisy latents through
 * {@code x_embedder} (a 1×2×2 patch conv), and the clean context at three compressions through
 * {@code clean_x_embedder}: 1× with the same patch as the noisy latents, 2× and 4× with 2×4×4 and
 * 4×8×8 patches. Each part gets its RoPE table; compressed parts get the pooled table of the
 * positions they cover. The sequence is {@code [4×, 2×, 1×, noisy]}.
 */
final class PatchEmbedders {
    private final PatchConv noisy;
    private final PatchConv clean1x;
    private final PatchConv clean2x;
    private final PatchConv clean4x;
    private final Rope rope;
    private final Numerics numerics;

    PatchEmbedders(ParameterReader params, TransformerConfig config, Rope rope, Numerics numerics) {
        int in = config.inChannels();
        int dim = config.innerDim();
        this.noisy = PatchConv.load(params.scope("x_embedder.proj"), in, dim,
                config.patchSizeT(), config.patchSize(), config.patchSize());
        if (config.hasCleanXEmbedder()) {
            ParameterReader clean = params.scope("clean_x_embedder");
            this.clean1x = PatchConv.load(clean.scope("proj"), in, dim, 1, 2, 2);
            this.clean2x = PatchConv.load(clean.scope("proj_2x"), in, dim, 2, 4, 4);
            this.clean4x = PatchConv.load(clean.scope("proj_4x"), in, dim, 4, 8, 8);
        } else {
            this.clean1x = null;
            this.clean2x = null;
            this.clean4x = null;
        }
        this.rope = rope;
        this.numerics = numerics;
    }

    /** The packed image-token sequence of one forward. */
    PackedTokens embed(TransformerInputs in, NDManager manager) {
        NDArray latentGrid = noisy.grid(numerics.round(in.noisy().latents()));
        Shape post = latentGrid.getShape();
        long frames = post.get(2);
        long height = post.get(3);
        long width = post.get(4);
        NDArray indices = in.noisy().indices() != null ? in.noisy().indices()
                : manager.arange(0, (int) frames, 1, DataType.INT64).expandDims(0);
        NDArray tokens = Grid3d.toTokens(latentGrid);
        NDArray table = rope.tokens(indices, height, width, manager);

        TransformerInputs.PackedContext context = in.context();
        if (context.clean() != null) {
            tokens = prepend(clean1x.tokens(numerics.round(context.clean().latents())), tokens);
            table = prepend(rope.tokens(context.clean().indices(), height, width, manager), table);
        }
        if (context.clean2x() != null) {
            tokens = prepend(clean2x.tokens(Grid3d.padEndToMultiple(numerics.round(context.clean2x().latents()), 2, 4, 4)),
                    tokens);
            table = prepend(rope.pooledTokens(context.clean2x().indices(), height, width, 2, manager), table);
        }
        if (context.clean4x() != null) {
            tokens = prepend(clean4x.tokens(Grid3d.padEndToMultiple(numerics.round(context.clean4x().latents()), 4, 8, 8)),
                    tokens);
            table = prepend(rope.pooledTokens(context.clean4x().indices(), height, width, 4, manager), table);
        }
        return new PackedTokens(tokens, table, frames, height, width);
    }

    private static NDArray prepend(NDArray head, NDArray rest) {
        return head.concat(rest, 1);
    }

    /**
     * The packed sequence: {@code tokens [1, N, d]}, its RoPE table {@code [1, N, 2·headDim]}
     * (float32), and the post-patch grid of the noisy latents, whose {@code frames · height · width}
     * tokens end the sequence.
     */
    record PackedTokens(NDArray tokens, NDArray ropeTable, long frames, long height, long width) {
    }
}
