package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import static org.awaitility.Awaitility.await;

/**
 * Load benchmark, not a test: it prints numbers and asserts only that every render got through.
 * The operator in Quarkus against the Fabric8 mock API server with {@link SimulatedCluster} as Job
 * controller and kubelet: N VideoGenerations are created at once; it measures the time from each
 * create to its Job, then, with every worker running, from each worker's progress report to the
 * status showing it, and the JVM heap after garbage collection: before, after, and after stopping
 * the operator (the difference is what the operator holds). It stops the application's operator,
 * so it runs alone. Run with
 * {@code mvn -pl operator -am test -Dtest=LoadBenchmarkTest -Dload-benchmark=true
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dload-benchmark.renders=N}, default 1000).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@EnabledIfSystemProperty(named = "load-benchmark", matches = "true")
class LoadBenchmarkTest {
    private static final int RENDERS = Integer.getInteger("load-benchmark.renders", 1000);
    private static final Duration PATIENCE = Duration.ofMinutes(10);
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final String NAMESPACE = "load";

    @Inject
    KubernetesClient operatorClient;
    @Inject
    Operator operator;

    @Test
    void manyRendersAtOnce() throws IOException {
        // Stopping the operator closes its client: the benchmark plays the cluster with its own.
        KubernetesClient client = new KubernetesClientBuilder().withConfig(operatorClient.getConfiguration()).build();
        SimulatedCluster cluster = new SimulatedCluster(client, NAMESPACE);
        Map<String, Long> created = new ConcurrentHashMap<>();
        Map<String, Long> jobSeen = new ConcurrentHashMap<>();
        Map<String, Long> reported = new ConcurrentHashMap<>();
        Map<String, Long> progressSeen = new ConcurrentHashMap<>();
        long heapBefore = usedHeapAfterGc();

        try (Watch jobs = client.batch().v1().jobs().inNamespace(NAMESPACE).watch(watcher((action, job) -> {
            if (action == Watcher.Action.ADDED) {
                jobSeen.putIfAbsent(job.getMetadata().getName(), System.nanoTime());
            }
        })); Watch statuses = client.resources(VideoGeneration.class).inNamespace(NAMESPACE).watch(watcher((action, vg) -> {
            String name = vg.getMetadata().getName();
            if (reported.containsKey(name) && vg.getStatus() != null && "1/4".equals(vg.getStatus().progress)) {
                progressSeen.putIfAbsent(name, System.nanoTime());
            }
        }))) {
            String template = Files.readString(Path.of("..", "src", "examples", "videogeneration-pvc.yaml"));
            List<VideoGeneration> renders = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < RENDERS; i++) {
                VideoGeneration vg = SERIALIZATION.unmarshal(template, VideoGeneration.class);
                vg.getMetadata().setName(String.format("render-%04d", i));
                vg.getMetadata().setNamespace(NAMESPACE);
                created.put(vg.getMetadata().getName(), System.nanoTime());
                renders.add(client.resource(vg).create());
            }
            long createdAll = System.nanoTime();
            await().atMost(PATIENCE).until(() -> jobSeen.size() == RENDERS);
            long jobsAll = System.nanoTime();

            List<Pod> pods = new ArrayList<>();
            for (int i = 0; i < RENDERS; i++) {
                Pod pod = cluster.syncJob(renders.get(i).getMetadata().getName());
                pods.add(cluster.scheduleAndRun(pod, "gpu-node-" + i % 50));
            }
            long reportStart = System.nanoTime();
            for (int i = 0; i < RENDERS; i++) {
                reported.put(renders.get(i).getMetadata().getName(), System.nanoTime());
                cluster.report(renders.get(i), pods.get(i), cluster.progress(4, 1, null, 1));
            }
            await().atMost(PATIENCE).until(() -> progressSeen.size() == RENDERS);
            long progressAll = System.nanoTime();
            long heapAfter = usedHeapAfterGc();
            operator.stop();
            long heapWithoutOperator = usedHeapAfterGc();

            System.out.printf(Locale.ROOT, "%nLoad benchmark: %d VideoGenerations, %d CPUs, max heap %d MiB%n", RENDERS,
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf(Locale.ROOT, "  created in %.1f s; all Jobs %.1f s after the first create%n",
                    seconds(createdAll - start), seconds(jobsAll - start));
            System.out.println("  create -> Job:             " + percentiles(created, jobSeen));
            System.out.printf(Locale.ROOT, "  all reports mirrored %.1f s after the first report%n", seconds(progressAll - reportStart));
            System.out.println("  progress report -> status: " + percentiles(reported, progressSeen));
            // Per render the API server holds 8 objects: the resource, its Job, pod, 2 ConfigMaps and the worker's RBAC.
            System.out.printf(Locale.ROOT, "  heap used after GC: %d MiB before, %d MiB after (with the mock API server's"
                    + " %d objects), %d MiB with the operator stopped: the operator holds %d MiB%n", heapBefore >> 20,
                    heapAfter >> 20, RENDERS * 8, heapWithoutOperator >> 20, (heapAfter - heapWithoutOperator) >> 20);
        } finally {
            client.resources(VideoGeneration.class).inNamespace(NAMESPACE).delete();
            client.close();
        }
    }

    private static <T> Watcher<T> watcher(BiConsumer<Watcher.Action, T> onEvent) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                onEvent.accept(action, resource);
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
    }

    /** p50, p99 and max of end minus start, in milliseconds, over the names in both. */
    private static String percentiles(Map<String, Long> starts, Map<String, Long> ends) {
        long[] millis = ends.entrySet().stream().mapToLong(e -> (e.getValue() - starts.get(e.getKey())) / 1_000_000)
                .sorted().toArray();
        return String.format(Locale.ROOT, "p50 %d ms, p99 %d ms, max %d ms (n=%d)", millis[millis.length / 2],
                millis[(int) Math.ceil(millis.length * 0.99) - 1], millis[millis.length - 1], millis.length);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
