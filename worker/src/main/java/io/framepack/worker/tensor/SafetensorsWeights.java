package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@link Weights} over the safetensors files of one Hugging Face component folder: a sharded set
 * described by {@code *.safetensors.index.json}, or plain {@code *.safetensors} files. Headers are
 * read at open; each tensor is mapped, converted and copied to the device only when asked for.
 */
public final class SafetensorsWeights implements Weights, AutoCloseable {

    private final Map<String, SafetensorsFile> fileByKey;
    private final List<SafetensorsFile> files;
    private final Precision precision;
    private final Kernels kernels;

    private SafetensorsWeights(Map<String, SafetensorsFile> fileByKey, List<SafetensorsFile> files,
                               Precision precision, Kernels kernels) {
        this.fileByKey = fileByKey;
        this.files = files;
        this.precision = precision;
        this.kernels = kernels;
    }

    /**
     * Opens a component folder (or a single safetensors file).
     *
     * @param kernels converts to bfloat16 when {@code precision} is {@link Precision#BFLOAT16}
     */
    public static SafetensorsWeights open(Path location, Precision precision, Kernels kernels) throws IOException {
        if (precision == Precision.BFLOAT16 && !kernels.supportsBfloat16()) {
            throw new IllegalArgumentException("bfloat16 weights need the TorchScript kernel pack");
        }
        List<Path> paths = shardPaths(location);
        Map<String, SafetensorsFile> fileByKey = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            for (Path path : paths) {
                SafetensorsFile file = SafetensorsFile.open(path);
                files.add(file);
                for (String key : file.entries().keySet()) {
                    SafetensorsFile previous = fileByKey.putIfAbsent(key, file);
                    if (previous != null) {
                        throw new TensorFormatException("tensor " + key + " appears in both " + previous.path()
                                + " and " + path);
                    }
                }
            }
            checkIndex(location, fileByKey);
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile file : files) {
                file.close();
            }
            throw e;
        }
        return new SafetensorsWeights(fileByKey, files, precision, kernels);
    }

    /** The files to read: the index's shards if there is an index, else every safetensors file. */
    private static List<Path> shardPaths(Path location) throws IOException {
        if (Files.isRegularFile(location)) {
            return List.of(location);
        }
        if (!Files.isDirectory(location)) {
            throw new TensorFormatException(location + ": no such weights file or folder");
        }
        Path index = findIndex(location);
        if (index != null) {
            JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            List<Path> shards = new ArrayList<>();
            weightMap.elements().forEachRemaining(name -> {
                Path shard = location.resolve(name.asText());
                if (!shards.contains(shard)) {
                    shards.add(shard);
                }
            });
            for (Path shard : shards) {
                if (!Files.isRegularFile(shard)) {
                    throw new TensorFormatException(index + " names shard " + shard.getFileName()
                            + ", which is missing");
                }
            }
            return shards;
        }
        try (Stream<Path> list = Files.list(location)) {
            List<Path> found = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            if (found.isEmpty()) {
                throw new TensorFormatException(location + ": no .safetensors files");
            }
            return found;
        }
    }

    private static Path findIndex(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            List<Path> indexes = list.filter(p -> p.getFileName().toString().endsWith(".safetensors.index.json")).toList();
            if (indexes.size() > 1) {
                throw new TensorFormatException(folder + ": more than one safetensors index: " + indexes);
            }
            return indexes.isEmpty() ? null : indexes.get(0);
        }
    }

    /** Every key the index promises must be in the shard it names. */
    private static void checkIndex(Path location, Map<String, SafetensorsFile> fileByKey) throws IOException {
        if (!Files.isDirectory(location)) {
            return;
        }
        Path index = findIndex(location);
        if (index == null) {
            return;
        }
        JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        weightMap.fields().forEachRemaining(e -> {
            SafetensorsFile file = fileByKey.get(e.getKey());
            if (file == null || !file.path().getFileName().toString().equals(e.getValue().asText())) {
                throw new TensorFormatException(index + " places " + e.getKey() + " in " + e.getValue().asText()
                        + ", but that shard does not hold it (incomplete download?)");
            }
        });
    }

    @Override
    public NDArray get(String key, NDManager manager) {
        NDArray raw = decode(key, manager);
        if (!raw.getDataType().isFloating()) {
            return raw;
        }
        return precision == Precision.BFLOAT16 ? toBfloat16(raw) : toFloat32(raw);
    }

    @Override
    public NDArray inComputePrecision(NDArray float32) {
        return precision == Precision.BFLOAT16 ? toBfloat16(float32) : float32;
    }

    private NDArray toBfloat16(NDArray raw) {
        NDArray rounded = kernels.toBfloat16(raw);
        raw.close();
        return rounded;
    }

    @Override
    public NDArray getFloat32(String key, NDManager manager) {
        return toFloat32(decode(key, manager));
    }

    private static NDArray toFloat32(NDArray raw) {
        if (raw.getDataType() == DataType.FLOAT32) {
            return raw;
        }
        NDArray wide = raw.toType(DataType.FLOAT32, false);
        raw.close();
        return wide;
    }

    private NDArray decode(String key, NDManager manager) {
        SafetensorsFile file = fileByKey.get(key);
        if (file == null) {
            throw new TensorFormatException("weight " + key + " is missing (have " + fileByKey.size() + " tensors)");
        }
        try {
            return TensorDecoder.decode(file, file.entry(key), manager);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + key + " from " + file.path(), e);
        }
    }

    /** Shape of a stored tensor without reading it (for validating a checkpoint against its config). */
    public long[] shape(String key) {
        SafetensorsFile file = fileByKey.get(key);
        if (file == null) {
            throw new TensorFormatException("weight " + key + " is missing");
        }
        return file.entry(key).shape();
    }

    @Override
    public boolean contains(String key) {
        return fileByKey.containsKey(key);
    }

    @Override
    public Set<String> keys() {
        return Collections.unmodifiableSet(fileByKey.keySet());
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public void close() throws IOException {
        for (SafetensorsFile file : files) {
            file.close();
        }
    }
}
