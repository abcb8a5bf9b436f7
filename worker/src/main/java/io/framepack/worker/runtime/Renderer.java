package io.framepack.worker.runtime;

import io.framepack.worker.runtime.progress.ProgressListener;

import java.io.IOException;

/** What renders: opens the {@link RenderSession} of a request (loads models, encodes prompt and image); may report phases. */
@FunctionalInterface
public interface Renderer {
    RenderSession open(RenderRequest request, ProgressListener progress) throws IOException;
}
