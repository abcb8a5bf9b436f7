package io.framepack.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.framepack.api.worker.WorkerContract;
import io.framepack.clustersim.Containers;
import io.framepack.clustersim.GarbageCollector;
import io.framepack.clustersim.JobController;
import io.framepack.clustersim.Kubelet;
import io.framepack.clustersim.PodAdmission;
import io.framepack.clustersim.TtlAfterFinishedController;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a real cluster does between the operator and the worker, for one namespace, in real time:
 * the shared simulation ({@code cluster-sim}: Job controller, kubelet, TTL controller, garbage
 * collector) on one node whose containers are real local processes with the pod's command,
 * environment and volumes. Volumes become local directories; the paths the pod sees are
 * translated into them, in the job file and in environment values, as a mount namespace would.
 */
final class SimulatedNode implements AutoCloseable, Containers {
    static final String NODE_NAME = "gpu-node-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final String namespace;
    private final Path root;
    private final Map<String, Path> commands;
    private final Map<String, String> environment;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    /** Every pod whose container this node started, in the order it started them. */
    private final List<Pod> started = new CopyOnWriteArrayList<>();
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final JobController jobController;
    private final Kubelet kubelet;
    private final TtlAfterFinishedController ttlController;
    private final GarbageCollector garbageCollector;

    /**
     * @param commands    container command name → local executable
     * @param environment extra environment for every process (how to reach the API server)
     */
    SimulatedNode(KubernetesClient client, String namespace, Path root, Map<String, Path> commands,
                  Map<String, String> environment) {
        this.client = client;
        this.namespace = namespace;
        this.root = root;
        this.commands = commands;
        this.environment = environment;
        Clock clock = Clock.systemUTC();
        jobController = new JobController(client, namespace, clock, PodAdmission.priorityAndRuntimeClasses(client));
        kubelet = new Kubelet(client, namespace, clock, this);
        ttlController = new TtlAfterFinishedController(client, namespace, clock);
        garbageCollector = new GarbageCollector(client, namespace, Map.of("VideoGeneration", (c, name) ->
                c.resources(io.framepack.api.v1alpha1.VideoGeneration.class).inNamespace(namespace).withName(name).get()));
    }

    void start() {
        loop.scheduleWithFixedDelay(this::syncSafely, 0, 200, TimeUnit.MILLISECONDS);
    }

    /** The local directory standing for a PersistentVolumeClaim. */
    Path claim(String claimName) {
        Path dir = root.resolve("pvc").resolve(claimName);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path logOf(String podName) {
        return root.resolve("pods").resolve(podName).resolve("container.log");
    }

    /** The Job's pods, oldest first (creation times have whole seconds: in the same second, the one started first). */
    List<Pod> podsOf(String jobName) {
        List<String> order = podsRun(jobName);
        return client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems().stream()
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
                        .thenComparing(p -> order.indexOf(p.getMetadata().getName())))
                .toList();
    }

    /** The names of the Job's pods whose containers ran here, also those deleted since (preempted, evicted). */
    List<String> podsRun(String jobName) {
        return started.stream().filter(p -> jobName.equals(p.getMetadata().getLabels().get(JobController.JOB_NAME_LABEL)))
                .map(p -> p.getMetadata().getName()).toList();
    }

    boolean isRunning(String podName) {
        Process process = processes.get(podName);
        return process != null && process.isAlive();
    }

    /**
     * Preemption as the scheduler does it: the pod gets a DisruptionTarget condition and is
     * deleted, so its container gets SIGTERM, and SIGKILL once the grace period is over.
     */
    void preempt(String podName, Duration grace) throws InterruptedException, IOException {
        Process process = processes.get(podName);
        // Frozen until the disruption is issued: waiting for the node's sync round must not let a
        // fast worker finish its last section first, which would turn the preemption into a success.
        signal(process, "STOP");
        try {
            synchronized (this) {
                kubelet.disrupt(client.pods().inNamespace(namespace).withName(podName).get(), "PreemptionByScheduler",
                        "Preempted in order to admit critical pod");
            }
        } finally {
            signal(process, "CONT");
        }
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    private static void signal(Process process, String signal) throws InterruptedException, IOException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0 && process.isAlive()) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** A crash the worker cannot handle: SIGKILL without a disruption condition. */
    void kill(String podName) throws InterruptedException {
        Process process = processes.get(podName);
        process.destroyForcibly();
        process.waitFor();
    }

    /** One round of the control plane and the node; a failed round is retried on the next tick (the API server is local). */
    private synchronized void syncSafely() {
        try {
            jobController.syncAll();
            kubelet.runPending(NODE_NAME);
            kubelet.sync();
            ttlController.sync();
            garbageCollector.collect();
        } catch (RuntimeException e) {
            System.err.println("simulated node: " + e);
        }
    }

    /** Runs the pod's only container as a local process; its end is reported as the kubelet would. */
    @Override
    public void start(Pod pod, Kubelet kubelet) {
        String podName = pod.getMetadata().getName();
        Container container = pod.getSpec().getContainers().get(0);
        try {
            Path podDir = Files.createDirectories(root.resolve("pods").resolve(podName));
            Map<String, Path> mounts = mountVolumes(pod, container, podDir);
            List<String> command = new ArrayList<>();
            List<String> declared = new ArrayList<>(container.getCommand());
            declared.addAll(container.getArgs() == null ? List.of() : container.getArgs());
            Path executable = commands.get(declared.get(0));
            if (executable == null) {
                throw new IllegalStateException("no local executable for container command " + declared.get(0));
            }
            command.add(executable.toString());
            declared.stream().skip(1).forEach(arg -> command.add(translate(arg, mounts)));

            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(logOf(podName).toFile());
            Map<String, String> env = builder.environment();
            env.putAll(environment);
            for (EnvVar var : container.getEnv()) {
                env.put(var.getName(), translate(resolve(var, pod), mounts));
            }
            env.put(WorkerContract.ENV_JOB_FILE, translatedJobFile(mounts, podDir).toString());
            Process process = builder.start();
            processes.put(podName, process);
            started.add(pod);
            // A death by signal reads 128 + signal, as a container runtime reports it.
            process.onExit().thenAccept(done -> {
                synchronized (this) {
                    kubelet.terminated(pod, done.exitValue(), done.exitValue() == 0 ? "Completed" : "Error");
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + podName, e);
        }
    }

    /** SIGTERM now, SIGKILL once the pod's grace period is over. */
    @Override
    public void stop(Pod pod, Kubelet kubelet) {
        Process process = processes.get(pod.getMetadata().getName());
        if (process == null || !process.isAlive() || !stopping.add(pod.getMetadata().getName())) {
            return;
        }
        process.destroy();
        Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
        loop.schedule(process::destroyForcibly, grace == null ? DEFAULT_GRACE.toSeconds() : grace, TimeUnit.SECONDS);
    }

    private String resolve(EnvVar var, Pod pod) {
        EnvVarSource from = var.getValueFrom();
        if (from == null) {
            return Objects.requireNonNullElse(var.getValue(), "");
        }
        if (from.getFieldRef() != null) {
            return switch (from.getFieldRef().getFieldPath()) {
                case "metadata.namespace" -> namespace;
                case "metadata.name" -> pod.getMetadata().getName();
                case "metadata.uid" -> Objects.requireNonNullElse(pod.getMetadata().getUid(), "");
                case "spec.nodeName" -> NODE_NAME;
                default -> throw new IllegalStateException("unsupported fieldRef " + from.getFieldRef().getFieldPath());
            };
        }
        if (from.getSecretKeyRef() != null) {
            Secret secret = client.secrets().inNamespace(namespace).withName(from.getSecretKeyRef().getName()).get();
            String value = secret.getData() != null ? secret.getData().get(from.getSecretKeyRef().getKey()) : null;
            if (value != null) {
                return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            }
            return secret.getStringData().get(from.getSecretKeyRef().getKey());
        }
        if (from.getConfigMapKeyRef() != null) {
            ConfigMap map = client.configMaps().inNamespace(namespace).withName(from.getConfigMapKeyRef().getName()).get();
            return map.getData().get(from.getConfigMapKeyRef().getKey());
        }
        throw new IllegalStateException("unsupported env source for " + var.getName());
    }

    /** Materialises every mounted volume; returns mount path → local directory or file. */
    private Map<String, Path> mountVolumes(Pod pod, Container container, Path podDir) throws IOException {
        Map<String, Volume> volumes = new HashMap<>();
        pod.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = volumes.get(mount.getName());
            Path source;
            if (volume.getPersistentVolumeClaim() != null) {
                source = claim(volume.getPersistentVolumeClaim().getClaimName());
            } else if (volume.getConfigMap() != null) {
                source = Files.createDirectories(podDir.resolve("volumes").resolve(volume.getName()));
                ConfigMap map = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
                for (Map.Entry<String, String> entry : map.getData().entrySet()) {
                    Files.writeString(source.resolve(entry.getKey()), entry.getValue());
                }
            } else if (volume.getEmptyDir() != null) {
                source = Files.createDirectories(podDir.resolve("volumes").resolve(volume.getName()));
            } else if (volume.getProjected() != null) {
                // The pod's own API token, as the kubelet projects it (the mock API server takes any token).
                source = Files.createDirectories(podDir.resolve("volumes").resolve(volume.getName()));
                Files.writeString(source.resolve("token"), "simulated-token-of-" + pod.getSpec().getServiceAccountName());
                Files.writeString(source.resolve("namespace"), namespace);
            } else {
                throw new IllegalStateException("unsupported volume " + volume.getName());
            }
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
                source = source.resolve(mount.getSubPath());
                Files.createDirectories(source);
            }
            mounts.put(mount.getMountPath(), source);
        }
        return mounts;
    }

    /** A path as the process sees it: the longest mount path that prefixes it is replaced by its directory. */
    private static String translate(String value, Map<String, Path> mounts) {
        String best = null;
        for (String mountPath : mounts.keySet()) {
            boolean under = value.equals(mountPath) || value.startsWith(mountPath.endsWith("/") ? mountPath : mountPath + "/");
            if (under && (best == null || mountPath.length() > best.length())) {
                best = mountPath;
            }
        }
        return best == null ? value : mounts.get(best) + value.substring(best.length());
    }

    /** The worker's job file with every path in it translated into the local directories. */
    private static Path translatedJobFile(Map<String, Path> mounts, Path podDir) throws IOException {
        Path original = Path.of(translate(WorkerContract.JOB_FILE, mounts));
        JsonNode job = JSON.readTree(original.toFile());
        Path local = podDir.resolve("job.json");
        JSON.writeValue(local.toFile(), translateStrings(job, mounts));
        return local;
    }

    private static JsonNode translateStrings(JsonNode node, Map<String, Path> mounts) {
        if (node.isTextual()) {
            return TextNode.valueOf(translate(node.asText(), mounts));
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            node.fields().forEachRemaining(e -> copy.set(e.getKey(), translateStrings(e.getValue(), mounts)));
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(element -> copy.add(translateStrings(element, mounts)));
            return copy;
        }
        return node;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        processes.values().forEach(Process::destroyForcibly);
    }
}
