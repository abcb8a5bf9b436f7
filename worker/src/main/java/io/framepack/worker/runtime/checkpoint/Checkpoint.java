package io.framepack.worker.runtime.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Everything needed to continue a render exactly after {@code sectionsCompleted} sections: named
 * tensors (bit-exact) and a JSON object of scalars the section loop defines.
 */
public record Checkpoint(CheckpointIdentity identity, int sectionsCompleted, ObjectNode state,
                         Map<String, FrameTensor> tensors) {
}
