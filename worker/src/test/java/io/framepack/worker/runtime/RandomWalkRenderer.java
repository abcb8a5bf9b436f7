package io.framepack.worker.runtime;

import io.framepack.worker.runtime.progress.ProgressListener;

/** Opens {@link RandomWalkSession}s of a number of sections, seeded by the request; for tests outside this package too. */
public final class RandomWalkRenderer implements Renderer {
    private final int sections;

    public RandomWalkRenderer(int sections) {
        this.sections = sections;
    }

    @Override
    public RenderSession open(RenderRequest request, ProgressListener progress) {
        return new RandomWalkSession(sections, 3, request.settings().seed);
    }
}
