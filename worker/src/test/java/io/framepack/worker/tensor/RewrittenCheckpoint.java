package io.framepack.worker.tensor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small safetensors checkpoint read into memory and written again with edits: a key dropped,
 * two axes swapped, a key prefix, bfloat16 storage, shards with an index. Turns the tiny
 * goldens' weights into the broken checkpoints and the released layouts the loaders must tell apart.
 */
public final class RewrittenCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Tensor(String dtype, long[] shape, byte[] data) {
    }

    private final Map<String, Tensor> tensors;

    private RewrittenCheckpoint(Map<String, Tensor> tensors) {
        this.tensors = tensors;
    }

    public static RewrittenCheckpoint of(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            for (SafetensorsFile.Entry entry : source.entries().values()) {
                ByteBuffer bytes = source.bytes(entry);
                byte[] data = new byte[bytes.remaining()];
                bytes.get(data);
                tensors.put(entry.name(), new Tensor(entry.dtype().name(), entry.shape(), data));
            }
        }
        return new RewrittenCheckpoint(tensors);
    }

    public RewrittenCheckpoint without(String key) {
        require(key);
        tensors.remove(key);
        return this;
    }

    /** The tensor {@code key} with its first two axes swapped in the header (same bytes): {@code [in, out, …]}. */
    public RewrittenCheckpoint withFirstAxesSwapped(String key) {
        Tensor t = require(key);
        long[] shape = t.shape().clone();
        shape[0] = t.shape()[1];
        shape[1] = t.shape()[0];
        tensors.put(key, new Tensor(t.dtype(), shape, t.data()));
        return this;
    }

    /** Every key under {@code prefix}, e.g. {@code "text_model."} as a {@code CLIPTextModel} saves it. */
    public RewrittenCheckpoint prefixed(String prefix) {
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        tensors.forEach((key, t) -> renamed.put(prefix + key, t));
        tensors.clear();
        tensors.putAll(renamed);
        return this;
    }

    /** Every float32 tensor stored as bfloat16, as the released checkpoints are (upper 16 bits kept). */
    public RewrittenCheckpoint inBfloat16() {
        tensors.replaceAll((key, t) -> {
            if (!t.dtype().equals("F32")) {
                return t;
            }
            ByteBuffer in = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocate(t.data().length / 2).order(ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                out.putShort((short) (in.getInt() >>> 16));
            }
            return new Tensor("BF16", t.shape(), out.array());
        });
        return this;
    }

    /** Writes one safetensors file. */
    public void writeTo(Path file) throws IOException {
        write(file, new ArrayList<>(tensors.keySet()));
    }

    /**
     * Writes {@code shards} files {@code <base>-0000i-of-0000n.safetensors} into {@code folder}
     * plus the {@code <base>.safetensors.index.json} that maps each key to its shard, as Hugging
     * Face saves a large model.
     */
    public void writeShardedTo(Path folder, String base, int shards) throws IOException {
        List<String> keys = new ArrayList<>(tensors.keySet());
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata");
        ObjectNode weightMap = index.putObject("weight_map");
        int perShard = (keys.size() + shards - 1) / shards;
        for (int shard = 0; shard < shards; shard++) {
            String name = String.format("%s-%05d-of-%05d.safetensors", base, shard + 1, shards);
            List<String> part = keys.subList(Math.min(keys.size(), shard * perShard),
                    Math.min(keys.size(), (shard + 1) * perShard));
            write(folder.resolve(name), part);
            part.forEach(key -> weightMap.put(key, name));
        }
        JSON.writeValue(folder.resolve(base + ".safetensors.index.json").toFile(), index);
    }

    private void write(Path file, List<String> keys) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (String key : keys) {
            Tensor t = tensors.get(key);
            ObjectNode entry = header.putObject(key);
            entry.put("dtype", t.dtype());
            entry.set("shape", JSON.valueToTree(t.shape()));
            entry.putArray("data_offsets").add(offset).add(offset + t.data().length);
            offset += t.data().length;
        }
        byte[] headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + headerBytes.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerBytes.length).put(headerBytes);
        for (String key : keys) {
            out.put(tensors.get(key).data());
        }
        Files.write(file, out.array());
    }

    private Tensor require(String key) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("the checkpoint has no " + key + ": " + tensors.keySet());
        }
        return t;
    }
}
