package io.framepack.worker.runtime;

import io.framepack.worker.runtime.progress.ProgressListener;

import java.io.IOException;

/** What renders: opens the {@link RenderSession} of a plan (loads models, encodes prompt and image); may report phases. */
@FunctionalInterface
public interface Renderer {
    RenderSession open(RenderPlan plan, ProgressListener progress) throws IOException;
}
