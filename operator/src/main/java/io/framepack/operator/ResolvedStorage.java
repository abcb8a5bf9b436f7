package io.framepack.operator;

import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGenerationSpec;

import java.util.Optional;

/** Model, output and checkpoint storage after the operator's defaults filled what the spec left out (null: none). */
record ResolvedStorage(PvcLocation model, StorageLocation output, StorageLocation checkpoints) {

    static ResolvedStorage resolve(VideoGenerationSpec spec, OperatorConfig.Defaults defaults) {
        PvcLocation model = spec.model != null ? spec.model.pvc : pvc(defaults.modelClaim(), defaults.modelPath());
        StorageLocation output = spec.output != null ? spec.output : storage(defaults.outputClaim(), defaults.outputPath());
        StorageLocation checkpoints = spec.checkpoints != null ? spec.checkpoints
                : storage(defaults.checkpointClaim(), defaults.checkpointPath());
        return new ResolvedStorage(model, output, checkpoints);
    }

    private static StorageLocation storage(Optional<String> claim, Optional<String> path) {
        PvcLocation pvc = pvc(claim, path);
        if (pvc == null) {
            return null;
        }
        StorageLocation location = new StorageLocation();
        location.pvc = pvc;
        return location;
    }

    private static PvcLocation pvc(Optional<String> claim, Optional<String> path) {
        if (claim.isEmpty()) {
            return null;
        }
        PvcLocation pvc = new PvcLocation();
        pvc.claimName = claim.get();
        pvc.path = path.orElse("");
        return pvc;
    }
}
