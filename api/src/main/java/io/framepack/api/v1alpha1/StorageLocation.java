package io.framepack.api.v1alpha1;

import io.fabric8.generator.annotation.ValidationRule;

/** A place for outputs or checkpoints: a PVC path or an S3 prefix (exactly one). */
@ValidationRule(value = "has(self.pvc) != has(self.s3)", message = "set exactly one of pvc or s3")
public class StorageLocation {
    public PvcLocation pvc;
    public S3Location s3;
}
