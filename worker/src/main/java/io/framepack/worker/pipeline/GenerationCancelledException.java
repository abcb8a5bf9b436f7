package io.framepack.worker.pipeline;

/**
 * The loop stopped because a stop was requested (e.g. SIGTERM). The section in progress was
 * abandoned; the state still holds the last completed section and can be checkpointed and resumed.
 */
public class GenerationCancelledException extends RuntimeException {
    private final int sectionsCompleted;

    public GenerationCancelledException(int sectionsCompleted) {
        super("generation stopped on request after " + sectionsCompleted + " completed sections");
        this.sectionsCompleted = sectionsCompleted;
    }

    public int sectionsCompleted() {
        return sectionsCompleted;
    }
}
