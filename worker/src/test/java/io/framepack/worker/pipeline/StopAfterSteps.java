package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * Stops a job the way the worker does: the step callback throws once {@code steps} sampler steps
 * have run (counted over every section this listener sees).
 */
final class StopAfterSteps implements GenerationListener {

    /** What the listener throws; the loop lets it through untouched. */
    static final class Stopped extends RuntimeException {
        Stopped(int steps) {
            super("stopped after " + steps + " steps");
        }
    }

    private final int steps;
    private int stepsRun;

    StopAfterSteps(int steps) {
        this.steps = steps;
    }

    @Override
    public void onStep(int section, int sections, int step, int total, NDArray denoised) {
        if (++stepsRun >= steps) {
            throw new Stopped(stepsRun);
        }
    }
}
