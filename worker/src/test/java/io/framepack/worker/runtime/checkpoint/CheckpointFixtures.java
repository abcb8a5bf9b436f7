package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Checkpoints for storage tests. */
public final class CheckpointFixtures {
    private CheckpointFixtures() {
    }

    /** A checkpoint whose tensor bits depend on the section, so a wrong pick shows. */
    public static Checkpoint checkpoint(CheckpointIdentity identity, int sections) {
        Random random = new Random(sections);
        ByteBuffer latents = ByteBuffer.allocate(2 * 16 * 3 * 4 * 4 * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (latents.hasRemaining()) {
            latents.putFloat((float) random.nextGaussian());
        }
        ByteBuffer half = ByteBuffer.allocate(3 * 5 * 2);
        random.nextBytes(half.array());
        Map<String, FrameTensor> tensors = new LinkedHashMap<>();
        tensors.put("history_latents", FrameTensor.of(new StoredTensor(DataType.FLOAT32, new long[] {2, 16, 3, 4, 4}, latents.flip())));
        tensors.put("start_latent", FrameTensor.of(new StoredTensor(DataType.FLOAT16, new long[] {3, 5}, half)));
        ObjectNode state = new ObjectMapper().createObjectNode().put("totalLatentFrames", 9 * sections).put("seed", 31337L);
        return new Checkpoint(identity, sections, state, tensors);
    }

    /** All of a tensor's bits as one buffer. */
    public static StoredTensor whole(FrameTensor tensor) {
        return tensor.source().frames(0, tensor.frames());
    }

}
