package io.framepack.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Fabric8 mock API server in CRUD mode on loopback over plain HTTP, so that separate
 * processes (the operator, the workers) can reach it the way they reach a real API server.
 */
final class MockCluster implements AutoCloseable {
    private final KubernetesMockServer server;
    private final KubernetesClient client;

    MockCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(java.net.InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    KubernetesClient client() {
        return client;
    }

    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /**
     * Environment that points a Fabric8 client in another process at this server. The token is not
     * checked; it tells the requests of one process from those of another ({@link #takeRequests}).
     */
    Map<String, String> clientEnvironment(String namespace, String token) {
        return Map.of(
                "KUBERNETES_MASTER", url(),
                "KUBERNETES_AUTH_TOKEN", token,
                "KUBERNETES_NAMESPACE", namespace,
                "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
                "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false",
                "KUBERNETES_TRUST_CERTIFICATES", "true");
    }

    /** Every request the server received since the last call, oldest first. */
    List<RecordedRequest> takeRequests() throws InterruptedException {
        List<RecordedRequest> requests = new ArrayList<>();
        for (RecordedRequest request; (request = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null; ) {
            requests.add(request);
        }
        return requests;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
