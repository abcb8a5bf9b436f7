package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The garbage collector (https://kubernetes.io/docs/concepts/architecture/garbage-collection/)
 * for the namespaced kinds an operator and its Jobs create: an object whose owner references all
 * name owners that no longer exist (by uid: a new object of the same name is another owner) is
 * deleted, in the background, until nothing changes. Finalizers are honoured by the API server: a
 * pod with the Job controller's finalizer stays, terminating, until that controller lets it go.
 */
public final class GarbageCollector {
    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, BiFunction<KubernetesClient, String, HasMetadata>> customOwners;

    /**
     * @param customOwners how to read an owner of a kind the client has no typed API for (a custom
     *                     resource), by kind: (client, name) to the object or null
     */
    public GarbageCollector(KubernetesClient client, String namespace,
                            Map<String, BiFunction<KubernetesClient, String, HasMetadata>> customOwners) {
        this.client = client;
        this.namespace = namespace;
        this.customOwners = customOwners;
    }

    /** Deletes every object whose owners are all gone; returns whether it deleted any. */
    public boolean collect() {
        boolean deletedAny = false;
        boolean deleted;
        do {
            deleted = false;
            for (HasMetadata object : dependents()) {
                List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
                if (object.getMetadata().getDeletionTimestamp() == null && owners != null && !owners.isEmpty()
                        && owners.stream().noneMatch(this::exists)) {
                    client.resource(object).delete();
                    deleted = true;
                    deletedAny = true;
                }
            }
        } while (deleted);
        return deletedAny;
    }

    private List<HasMetadata> dependents() {
        List<HasMetadata> all = new ArrayList<>();
        all.addAll(client.batch().v1().jobs().inNamespace(namespace).list().getItems());
        all.addAll(client.pods().inNamespace(namespace).list().getItems());
        all.addAll(client.configMaps().inNamespace(namespace).list().getItems());
        all.addAll(client.secrets().inNamespace(namespace).list().getItems());
        all.addAll(client.serviceAccounts().inNamespace(namespace).list().getItems());
        all.addAll(client.rbac().roles().inNamespace(namespace).list().getItems());
        all.addAll(client.rbac().roleBindings().inNamespace(namespace).list().getItems());
        return all;
    }

    private boolean exists(OwnerReference owner) {
        HasMetadata found = switch (owner.getKind()) {
            case "Job" -> client.batch().v1().jobs().inNamespace(namespace).withName(owner.getName()).get();
            case "Pod" -> client.pods().inNamespace(namespace).withName(owner.getName()).get();
            case "ConfigMap" -> client.configMaps().inNamespace(namespace).withName(owner.getName()).get();
            default -> {
                var read = customOwners.get(owner.getKind());
                if (read == null) {
                    throw new IllegalStateException("no way to read owners of kind " + owner.getKind());
                }
                yield read.apply(client, owner.getName());
            }
        };
        return found != null && Objects.equals(found.getMetadata().getUid(), owner.getUid());
    }
}
