package io.framepack.worker.cli;

import io.framepack.worker.runtime.FramePackRenderer;

/**
 * The {@code framepack-worker} process: the CLI over the FramePack renderer. This package is the
 * composition root, the top floor: it wires the benchmarks, the runtime and the renderer together,
 * and nothing imports it (see the worker's {@code ArchitectureTest}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(new WorkerCli(new FramePackRenderer(), System.getenv()).execute(args));
    }
}
