package io.framepack.worker.runtime.cli;

import io.framepack.worker.runtime.FramePackRenderer;

/** The {@code framepack-worker} process: the CLI over the FramePack renderer. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(new WorkerCli(new FramePackRenderer(), System.getenv()).execute(args));
    }
}
