package io.framepack.worker.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.nn.Linear;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Scratch;

/**
 * The mid block's single-head self-attention over all T·H·W positions: GroupNorm on the input,
 * q/k/v/out linears with bias, a causal mask by frame (a position sees every position of its own
 * and earlier frames), and the input added back.
 */
final class CausalAttention {
    private final GroupNorm norm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final Kernels kernels;

    CausalAttention(VaeParameters params, String name, long channels, int groups, Kernels kernels) {
        this.norm = new GroupNorm(params, name + ".group_norm", channels, groups, kernels);
        this.toQ = linear(params, name + ".to_q", channels);
        this.toK = linear(params, name + ".to_k", channels);
        this.toV = linear(params, name + ".to_v", channels);
        this.toOut = linear(params, name + ".to_out.0", channels);
        this.kernels = kernels;
    }

    private static Linear linear(VaeParameters params, String name, long channels) {
        return new Linear(params.get(name + ".weight", channels, channels), params.get(name + ".bias", channels));
    }

    NDArray forward(NDArray x) {
        return Scratch.run(x, input -> {
            Shape s = input.getShape();
            long batch = s.get(0);
            long channels = s.get(1);
            long frames = s.get(2);
            long height = s.get(3);
            long width = s.get(4);
            long tokens = frames * height * width;
            // GroupNorm over [B, C, N] equals GroupNorm over [B, C, T, H, W]: normalise first, then flatten.
            NDArray sequence = norm.forward(input).transpose(0, 2, 3, 4, 1).reshape(batch, tokens, channels);
            NDArray q = toQ.forward(sequence).expandDims(1);
            NDArray k = toK.forward(sequence).expandDims(1);
            NDArray v = toV.forward(sequence).expandDims(1);
            NDArray attended = kernels.attention(q, k, v, causalMask(input.getManager(), frames, height * width))
                    .squeeze(1);
            NDArray out = toOut.forward(attended).reshape(batch, frames, height, width, channels)
                    .transpose(0, 4, 1, 2, 3);
            return out.add(input);
        });
    }

    /** {@code [N, N]} booleans: query i may attend key j when frame(j) ≤ frame(i). */
    static NDArray causalMask(NDManager manager, long frames, long positionsPerFrame) {
        long tokens = frames * positionsPerFrame;
        NDArray frameOfToken = manager.arange(0f, (float) frames, 1f, DataType.FLOAT32).reshape(frames, 1)
                .broadcast(new Shape(frames, positionsPerFrame)).reshape(tokens);
        return frameOfToken.reshape(tokens, 1).gte(frameOfToken.reshape(1, tokens));
    }
}
