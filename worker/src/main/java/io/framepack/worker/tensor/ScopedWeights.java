package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Set;
import java.util.stream.Collectors;

/** A prefix view of another {@link Weights}, so a block reads {@code "attn.to_q.weight"}, not its full path. */
final class ScopedWeights implements Weights {
    private final Weights parent;
    private final String prefix;

    ScopedWeights(Weights parent, String prefix) {
        this.parent = parent;
        this.prefix = prefix;
    }

    @Override
    public NDArray get(String key, NDManager manager) {
        return parent.get(prefix + key, manager);
    }

    @Override
    public NDArray getFloat32(String key, NDManager manager) {
        return parent.getFloat32(prefix + key, manager);
    }

    @Override
    public boolean contains(String key) {
        return parent.contains(prefix + key);
    }

    @Override
    public Set<String> keys() {
        return parent.keys().stream().filter(k -> k.startsWith(prefix))
                .map(k -> k.substring(prefix.length())).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public Weights scope(String child) {
        return new ScopedWeights(parent, prefix + child + ".");
    }

    @Override
    public Precision precision() {
        return parent.precision();
    }
}
