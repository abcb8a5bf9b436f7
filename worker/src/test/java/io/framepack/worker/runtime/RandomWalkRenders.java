package io.framepack.worker.runtime;

/** Factories of {@link RandomWalkRender} for tests outside this package. */
public final class RandomWalkRenders {
    private RandomWalkRenders() {
    }

    public static JobRunner.RenderFactory factory(int sections) {
        return (request, progress) -> new RandomWalkRender(sections, 3, request.settings().seed);
    }
}
