package io.framepack.operator;

import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGenerationSpec;

import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** Model, output and checkpoint storage after the operator's defaults filled what the spec left out (null: none). */
record ResolvedStorage(PvcLocation model, StorageLocation output, StorageLocation checkpoints) {

    static ResolvedStorage resolve(VideoGenerationSpec spec, OperatorConfig.Defaults defaults) {
        PvcLocation model = spec.model != null && spec.model.pvc != null ? spec.model.pvc
                : pvc(defaults.modelClaim(), defaults.modelPath());
        StorageLocation output = spec.output != null ? spec.output : storage(defaults.outputClaim(), defaults.outputPath());
        StorageLocation checkpoints = spec.checkpoints != null ? spec.checkpoints
                : storage(defaults.checkpointClaim(), defaults.checkpointPath());
        return new ResolvedStorage(model, output, checkpoints);
    }

    /**
     * The credentials Secrets the S3 locations name, in the order input image, end image, input video, output, checkpoints,
     * LoRAs (one per location that names one; the spec may not be validated yet).
     */
    Stream<String> s3CredentialsSecrets(VideoGenerationSpec spec) {
        Stream<S3Location> loras = spec.model == null || spec.model.loras == null ? Stream.empty()
                : spec.model.loras.stream().map(lora -> lora == null ? null : lora.s3);
        return Stream.concat(Stream.of(spec.input == null || spec.input.image == null ? null : spec.input.image.s3,
                        spec.input == null || spec.input.endImage == null ? null : spec.input.endImage.s3,
                        spec.input == null || spec.input.video == null ? null : spec.input.video.s3,
                        output == null ? null : output.s3,
                        checkpoints == null ? null : checkpoints.s3), loras)
                .map(s3 -> s3 == null ? null : s3.credentialsSecret)
                .filter(Objects::nonNull);
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
