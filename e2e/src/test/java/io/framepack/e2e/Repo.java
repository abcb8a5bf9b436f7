package io.framepack.e2e;

import java.nio.file.Path;

/** Paths inside the repository checkout the tests run from. */
final class Repo {
    private Repo() {
    }

    static Path root() {
        String property = System.getProperty("framepack.repo");
        return (property != null ? Path.of(property) : Path.of("..")).toAbsolutePath().normalize();
    }
}
