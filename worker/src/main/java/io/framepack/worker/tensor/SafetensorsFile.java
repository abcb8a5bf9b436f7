package io.framepack.worker.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One safetensors file: an 8-byte little-endian header length, a JSON header naming every tensor
 * with its dtype, shape and byte range, then the raw data. Tensor bytes are memory-mapped one
 * tensor at a time, so opening a 10 GB shard costs only its header and nothing is read twice.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers larger than this are not safetensors headers but garbage or an attack. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor's location inside the file. */
    public record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart,
                            Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates the header: every byte range must lie inside the file and match its dtype and shape. */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            byte[] header = readHeader(path, channel);
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (IOException e) {
                throw new TensorFormatException(path + ": unreadable safetensors header: " + e.getMessage());
            }
            long dataStart = 8L + header.length;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals("__metadata__")) {
                    field.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(field.getKey(), parseEntry(path, field.getKey(), field.getValue(), dataSize));
            }
            return new SafetensorsFile(path, channel, dataStart,
                    Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The raw JSON header of the safetensors file {@code path} (the bytes after the 8-byte length),
     * without parsing it; throws a {@link TensorFormatException} if the length does not fit the file.
     */
    public static byte[] readHeader(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, channel);
        }
    }

    private static byte[] readHeader(Path path, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new TensorFormatException(path + ": " + size + " bytes is too short for a safetensors file");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
            throw new TensorFormatException(path + ": header length " + headerLength
                    + " does not fit a file of " + size + " bytes (truncated or not safetensors)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(channel, header, 8);
        return header.array();
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) {
        SafetensorsDType dtype = SafetensorsDType.parse(path, name, node.path("dtype").asText());
        JsonNode shapeNode = node.path("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        JsonNode offsets = node.path("data_offsets");
        long begin = offsets.path(0).asLong(-1);
        long end = offsets.path(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize) {
            throw new TensorFormatException(path + ": tensor " + name + " spans bytes [" + begin + ", " + end
                    + ") but the file holds only " + dataSize + " data bytes (truncated?)");
        }
        Entry entry = new Entry(name, dtype, shape, begin, end);
        long expectedBytes = entry.elementCount() * dtype.bytes;
        if (end - begin != expectedBytes) {
            throw new TensorFormatException(path + ": tensor " + name + " has " + (end - begin)
                    + " bytes, expected " + expectedBytes + " for " + dtype + " " + java.util.Arrays.toString(shape));
        }
        return entry;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new TensorFormatException("unexpected end of file");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new TensorFormatException(path + ": no tensor named " + name);
        }
        return entry;
    }

    /** The tensor's raw little-endian bytes, memory-mapped (no copy). */
    public ByteBuffer bytes(Entry entry) throws IOException {
        long length = entry.end() - entry.begin();
        if (length == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin(), length)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
