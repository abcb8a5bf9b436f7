package io.framepack.worker.nn;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading values of a Hugging Face {@code config.json} that Jackson gives no direct accessor for. */
public final class ConfigJson {
    private ConfigJson() {
    }

    /** A JSON array of integers, e.g. {@code "block_out_channels": [128, 256, 512, 512]}. */
    public static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
