package io.framepack.worker.model;

import ai.djl.ndarray.NDManager;
import io.framepack.worker.tensor.Kernels;

import java.util.EnumSet;
import java.util.Set;

/**
 * Loads components of a validated model directory phase by phase, as the official code's memory
 * discipline does: each {@link Phase} owns an NDManager that every component loaded in it lives
 * in, and closing the phase frees them, so the peak is the largest phase, not the sum.
 *
 * <pre>
 * try (Phase encode = loader.phase("vae-encode")) {
 *     HunyuanVideoVae vae = encode.vae(true);
 *     ...
 * }   // the VAE's weights are gone here
 * </pre>
 */
public final class ModelLoader {
    private final ModelDirectory directory;
    private final Kernels kernels;
    private final NDManager parent;

    private ModelLoader(ModelDirectory directory, Kernels kernels, NDManager parent) {
        this.directory = directory;
        this.kernels = kernels;
        this.parent = parent;
    }

    /**
     * Validates {@code components} of the directory (before any device memory is used) and
     * returns a loader whose phases allocate on {@code parent}'s device.
     */
    public static ModelLoader open(ModelDirectory directory, Set<Component> components, Kernels kernels,
                                   NDManager parent) {
        directory.validate(components);
        return new ModelLoader(directory, kernels, parent);
    }

    /** {@link #open(ModelDirectory, Set, Kernels, NDManager)} for every component. */
    public static ModelLoader open(ModelDirectory directory, Kernels kernels, NDManager parent) {
        return open(directory, EnumSet.allOf(Component.class), kernels, parent);
    }

    public ModelDirectory directory() {
        return directory;
    }

    /** Starts a phase; {@code name} appears in errors and logs. */
    public Phase phase(String name) {
        return new Phase(name, directory, kernels, parent.newSubManager());
    }
}
