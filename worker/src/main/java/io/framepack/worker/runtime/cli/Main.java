package io.framepack.worker.runtime.cli;

import io.framepack.worker.runtime.FramePackRenders;

/** The {@code framepack-worker} process: the CLI over the FramePack engine. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(new WorkerCli(FramePackRenders::open, System.getenv()).execute(args));
    }
}
