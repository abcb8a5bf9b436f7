package io.framepack.worker.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.vae.HunyuanVideoVae;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One phase of a job (text encoding, image encoding, sampling, decoding): the components loaded
 * for it and their weights live in this phase's NDManager, and the weight files it opened stay
 * open only as long as it does. {@link #close()} releases all of it.
 */
public final class Phase implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final ModelDirectory directory;
    private final Kernels kernels;
    private final NDManager manager;
    private final List<SafetensorsWeights> openWeights = new ArrayList<>();

    Phase(String name, ModelDirectory directory, Kernels kernels, NDManager manager) {
        this.name = name;
        this.directory = directory;
        this.kernels = kernels;
        this.manager = manager;
    }

    public String name() {
        return name;
    }

    /** The manager that components of this phase must be loaded into. */
    public NDManager manager() {
        return manager;
    }

    public Path path(Component component) {
        return directory.path(component);
    }

    /** The component's {@code config.json}. */
    public JsonNode config(Component component) {
        Path file = path(component).resolve("config.json");
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("phase " + name + ": reading " + file, e);
        }
    }

    /** The component's weights in {@code precision}; the files are closed with the phase. */
    public SafetensorsWeights weights(Component component, Precision precision) {
        try {
            SafetensorsWeights weights = SafetensorsWeights.open(path(component), precision, kernels);
            openWeights.add(weights);
            return weights;
        } catch (IOException e) {
            throw new UncheckedIOException("phase " + name + ": opening " + component.relativePath(), e);
        }
    }

    /** The VAE (float16 on a GPU, float32 on the CPU); without the encoder only the decoder is loaded. */
    public HunyuanVideoVae vae(boolean withEncoder) {
        try {
            return HunyuanVideoVae.open(path(Component.VAE), kernels, manager, withEncoder);
        } catch (IOException e) {
            throw new UncheckedIOException("phase " + name + ": loading the VAE", e);
        }
    }

    /** The packed transformer in {@code precision}. */
    public PackedTransformer transformer(Precision precision) {
        try {
            return PackedTransformer.open(path(Component.TRANSFORMER), precision, kernels, manager);
        } catch (IOException e) {
            throw new UncheckedIOException("phase " + name + ": loading the transformer", e);
        }
    }

    @Override
    public void close() {
        try {
            for (SafetensorsWeights weights : openWeights) {
                weights.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("phase " + name + ": closing weight files", e);
        } finally {
            manager.close();
        }
    }
}
