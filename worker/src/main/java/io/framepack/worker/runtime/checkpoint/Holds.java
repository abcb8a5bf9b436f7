package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framepack.worker.runtime.storage.ObjectStore;

import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The blocks of a store that other renders' checkpoints share: a re-roll references the settled
 * blocks of the render it started from instead of copying them, and records that in the source's
 * store as {@code holds/<holder>.json} (its own location and the keys), before it reads them.
 * {@link Retention} never deletes a held block. A hold only grows and is never deleted by a
 * worker: the blocks stay as long as the source's checkpoint location does.
 */
final class Holds {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Holds() {
    }

    /** Adds {@code keys} to the hold that the store at {@code holder} keeps in {@code owner}. */
    static void add(ObjectStore owner, String holder, Collection<String> keys) throws IOException {
        String key = ObjectNames.hold(holder);
        Set<String> held = new TreeSet<>(keys);
        Optional<byte[]> existing = owner.read(key);
        if (existing.isPresent()) {
            try {
                held.addAll(keysOf(existing.get(), key));
            } catch (CorruptCheckpointException unreadable) {
                // Written whole again below, from what this holder references now.
            }
        }
        ObjectNode hold = JSON.createObjectNode().put("holder", holder);
        held.forEach(hold.putArray("blocks")::add);
        owner.write(key, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(hold));
    }

    /** Every block any hold in {@code store} names. */
    static Set<String> held(ObjectStore store) throws IOException, CorruptCheckpointException {
        Set<String> held = new HashSet<>();
        for (String key : store.list(ObjectNames.HOLDS)) {
            byte[] bytes = store.read(key).orElse(null);
            if (bytes != null) {
                held.addAll(keysOf(bytes, key));
            }
        }
        return held;
    }

    private static Set<String> keysOf(byte[] bytes, String key) throws CorruptCheckpointException {
        JsonNode hold;
        try {
            hold = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CorruptCheckpointException(key + " is not valid JSON");
        }
        if (hold == null || !hold.path("blocks").isArray()) {
            throw new CorruptCheckpointException(key + " lacks its blocks");
        }
        Set<String> keys = new HashSet<>();
        for (JsonNode block : hold.get("blocks")) {
            keys.add(block.asText());
        }
        return keys;
    }
}
