package io.framepack.api.v1alpha1;

/** A path inside a PersistentVolumeClaim of the resource's namespace. */
public class PvcLocation {
    public String claimName;
    /** Path inside the volume; empty means its root. */
    public String path = "";
}
