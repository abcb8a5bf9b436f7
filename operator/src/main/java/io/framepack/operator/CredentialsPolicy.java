package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.framepack.api.v1alpha1.VideoGeneration;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;

/**
 * Which Secrets a resource may name as {@code credentialsSecret}. The worker pod reads the Secret,
 * not the resource's author, so without this check anyone who may create a VideoGeneration could
 * use (and send to an endpoint of their choosing) every credential of the namespace. A Secret is
 * usable only when labelled {@link Names#CREDENTIALS_LABEL}{@code ="true"}, which takes the right
 * to change that Secret. Checked before the worker Job is created.
 */
final class CredentialsPolicy {
    private CredentialsPolicy() {
    }

    static void check(VideoGeneration vg, OperatorConfig config, KubernetesClient client, List<String> problems) {
        if (!config.worker().credentials().requireLabel()) {
            return;
        }
        String namespace = vg.getMetadata().getNamespace();
        ResolvedStorage.resolve(vg.getSpec(), config.defaults()).s3CredentialsSecrets(vg.getSpec()).distinct().forEach(name -> {
            String field = "credentialsSecret: Secret '" + name + "'";
            Secret secret;
            try {
                secret = client.secrets().inNamespace(namespace).withName(name).get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
                    throw e;
                }
                problems.add(field + ": the operator may not read Secrets to check their label"
                        + " (install the chart with worker.credentials.requireLabel matching the operator's setting)");
                return;
            }
            Map<String, String> labels = secret == null ? null : secret.getMetadata().getLabels();
            if (secret == null) {
                problems.add(field + " does not exist in namespace " + namespace
                        + "; create it with the label " + Names.CREDENTIALS_LABEL + "=true, then create this resource again");
            } else if (labels == null || !"true".equals(labels.get(Names.CREDENTIALS_LABEL))) {
                problems.add(field + " is not labelled " + Names.CREDENTIALS_LABEL + "=true; this cluster lets renders use"
                        + " only Secrets so labelled (whoever manages the Secret labels it), then create this resource again");
            }
        });
    }
}
