package io.framepack.worker.model;

import java.util.List;

/** A model directory that cannot be used: every problem found, each naming the file and what was expected. */
public class ModelDirectoryException extends RuntimeException {
    private final List<String> problems;

    public ModelDirectoryException(String root, List<String> problems) {
        super("model directory " + root + " is not usable:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
