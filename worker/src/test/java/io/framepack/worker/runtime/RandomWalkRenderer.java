package io.framepack.worker.runtime;

import io.framepack.worker.runtime.progress.ProgressListener;

/** Opens {@link RandomWalkSession}s of a number of sections, seeded by the plan; for tests outside this package too. */
public final class RandomWalkRenderer implements Renderer {
    private final int sections;

    public RandomWalkRenderer(int sections) {
        this.sections = sections;
    }

    @Override
    public RenderSession open(RenderPlan plan, ProgressListener progress) {
        return new RandomWalkSession(sections, 3, plan.settings().seed);
    }
}
