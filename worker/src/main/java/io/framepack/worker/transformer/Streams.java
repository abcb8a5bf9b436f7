package io.framepack.worker.transformer;

import ai.djl.ndarray.NDArray;

/** The two token streams the blocks carry: image tokens {@code [1, N, d]} and context tokens {@code [1, M, d]}. */
record Streams(NDArray image, NDArray context) {
}
