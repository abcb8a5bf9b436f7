package io.framepack.api.v1alpha1;

/** A place for outputs or checkpoints: a PVC path or an S3 prefix (exactly one). */
public class StorageLocation {
    public PvcLocation pvc;
    public S3Location s3;
}
