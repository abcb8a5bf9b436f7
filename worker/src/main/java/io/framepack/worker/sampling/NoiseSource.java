package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Where the initial noise of each section comes from. The official code draws it from one CPU
 * generator per job, section after section; a draw is identified by its index, so a resumed job
 * asks for draw k directly and a source may replay what it must to get there.
 */
@FunctionalInterface
public interface NoiseSource {

    /** Draw number {@code index} (0-based: the noise of the index-th section sampled), float32 of {@code shape}. */
    NDArray draw(int index, Shape shape, NDManager manager);
}
