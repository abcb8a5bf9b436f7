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
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.framepack.api.worker.WorkerContract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a real cluster does between the operator and the worker, for one namespace: the Job
 * controller (pods from the template, podFailurePolicy, backoffLimit, suspend, completion) and a
 * kubelet that runs each pod's container as a real local process with the pod's command,
 * environment and volumes. Volumes become local directories; the paths the pod sees are
 * translated into them, in the job file and in environment values, as a mount namespace would.
 */
final class SimulatedNode implements AutoCloseable {
    static final String NODE_NAME = "gpu-node-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String namespace;
    private final Path root;
    private final Map<String, Path> commands;
    private final Map<String, String> environment;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();

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
    }

    void start() {
        loop.scheduleWithFixedDelay(this::syncJobsSafely, 0, 200, TimeUnit.MILLISECONDS);
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

    List<Pod> podsOf(String jobName) {
        return client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp())).toList();
    }

    boolean isRunning(String podName) {
        Process process = processes.get(podName);
        return process != null && process.isAlive();
    }

    /**
     * Preemption as the scheduler does it: the pod gets a DisruptionTarget condition, its
     * container SIGTERM, and SIGKILL once the grace period is over.
     */
    void preempt(String podName, Duration grace) throws InterruptedException {
        client.pods().inNamespace(namespace).withName(podName).editStatus(pod -> new PodBuilder(pod).editStatus()
                .addToConditions(podCondition("DisruptionTarget", "PreemptionByScheduler",
                        "Preempted in order to admit critical pod")).endStatus().build());
        Process process = processes.get(podName);
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** A crash the worker cannot handle: SIGKILL without a disruption condition. */
    void kill(String podName) throws InterruptedException {
        Process process = processes.get(podName);
        process.destroyForcibly();
        process.waitFor();
    }

    private void syncJobsSafely() {
        try {
            for (Job job : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
                syncJob(job);
            }
        } catch (RuntimeException e) {
            // The API server is local; a failed round is retried on the next tick.
            System.err.println("simulated node: " + e);
        }
    }

    private synchronized void syncJob(Job job) {
        if (isFinished(job)) {
            return;
        }
        String name = job.getMetadata().getName();
        List<Pod> pods = podsOf(name);
        List<Pod> active = pods.stream().filter(p -> !isTerminal(p)).toList();
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            for (Pod pod : active) {
                Process process = processes.get(pod.getMetadata().getName());
                if (process != null) {
                    process.destroy();
                }
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
            setJobStatus(job, 0, countedFailures(job, pods), jobCondition("Suspended", "JobSuspended", "Job suspended"));
            return;
        }
        if (!active.isEmpty()) {
            return;
        }
        if (pods.stream().anyMatch(p -> "Succeeded".equals(p.getStatus().getPhase()))) {
            setJobStatus(job, 0, countedFailures(job, pods), jobCondition("Complete", null, null));
            return;
        }
        for (Pod pod : pods) {
            if ("FailJob".equals(policyAction(job, pod))) {
                setJobStatus(job, 0, countedFailures(job, pods), jobCondition("Failed", "PodFailurePolicy",
                        "Container worker for pod " + pod.getMetadata().getName() + " failed with exit code "
                                + exitCode(pod) + " matching FailJob rule"));
                return;
            }
        }
        int failures = countedFailures(job, pods);
        int backoffLimit = Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), 6);
        if (failures > backoffLimit) {
            setJobStatus(job, 0, failures, jobCondition("Failed", "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit"));
            return;
        }
        Pod pod = createPod(job);
        setJobStatus(job, 1, failures, null);
        launch(pod);
    }

    private static boolean isFinished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream().anyMatch(c -> "True".equals(c.getStatus())
                && (c.getType().equals("Complete") || c.getType().equals("Failed")));
    }

    private static boolean isTerminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private int countedFailures(Job job, List<Pod> pods) {
        return (int) pods.stream().filter(p -> "Failed".equals(p.getStatus().getPhase()))
                .filter(p -> "Count".equals(policyAction(job, p))).count();
    }

    /** The action of the first podFailurePolicy rule matching a failed pod (Count when none does). */
    private static String policyAction(Job job, Pod pod) {
        if (!"Failed".equals(pod.getStatus().getPhase()) || job.getSpec().getPodFailurePolicy() == null) {
            return "Count";
        }
        for (PodFailurePolicyRule rule : job.getSpec().getPodFailurePolicy().getRules()) {
            if (rule.getOnExitCodes() != null) {
                Integer code = exitCode(pod);
                boolean listed = code != null && rule.getOnExitCodes().getValues().contains(code);
                boolean in = "In".equals(rule.getOnExitCodes().getOperator());
                if (code != null && listed == in) {
                    return rule.getAction();
                }
            }
            if (rule.getOnPodConditions() != null && rule.getOnPodConditions().stream().anyMatch(pattern ->
                    pod.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals(pattern.getType())
                            && c.getStatus().equals(Objects.requireNonNullElse(pattern.getStatus(), "True"))))) {
                return rule.getAction();
            }
        }
        return "Count";
    }

    private static Integer exitCode(Pod pod) {
        var statuses = pod.getStatus().getContainerStatuses();
        if (statuses == null || statuses.isEmpty() || statuses.get(0).getState().getTerminated() == null) {
            return null;
        }
        return statuses.get(0).getState().getTerminated().getExitCode();
    }

    private Pod createPod(Job job) {
        String name = job.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5);
        Map<String, String> labels = new LinkedHashMap<>();
        if (job.getSpec().getTemplate().getMetadata() != null && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("job-name", job.getMetadata().getName());
        labels.put("controller-uid", job.getMetadata().getUid());
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(job.getSpec().getTemplate().getMetadata() == null ? null
                        : job.getSpec().getTemplate().getMetadata().getAnnotations())
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).endOwnerReference()
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .build();
        pod.getSpec().setNodeName(NODE_NAME);
        client.pods().inNamespace(namespace).resource(pod).create();
        return client.pods().inNamespace(namespace).withName(name).editStatus(p -> new PodBuilder(p).withNewStatus()
                .withPhase("Pending").addToConditions(podCondition("PodScheduled", null, null))
                .endStatus().build());
    }

    private void setJobStatus(Job job, int active, int failed, JobCondition finished) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName()).editStatus(j -> {
            var status = j.getStatus() == null ? new io.fabric8.kubernetes.api.model.batch.v1.JobStatus() : j.getStatus();
            status.setActive(active);
            status.setFailed(failed);
            if (status.getStartTime() == null) {
                status.setStartTime(Instant.now().toString());
            }
            if (finished != null) {
                List<JobCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
                conditions.removeIf(c -> c.getType().equals(finished.getType()));
                conditions.add(finished);
                status.setConditions(conditions);
                if (finished.getType().equals("Complete")) {
                    status.setSucceeded(1);
                    status.setCompletionTime(Instant.now().toString());
                }
            } else if (status.getConditions() != null) {
                status.getConditions().removeIf(c -> c.getType().equals("Suspended"));
            }
            j.setStatus(status);
            return j;
        });
    }

    private static JobCondition jobCondition(String type, String reason, String message) {
        String now = Instant.now().toString();
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    private static PodCondition podCondition(String type, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastTransitionTime(Instant.now().toString()).build();
    }

    /** Runs the pod's only container as a local process and reports its end as the kubelet would. */
    private void launch(Pod pod) {
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
            client.pods().inNamespace(namespace).withName(podName).editStatus(p -> new PodBuilder(p).editStatus()
                    .withPhase("Running").withStartTime(Instant.now().toString())
                    .addNewContainerStatus().withName(container.getName()).withReady(true).withRestartCount(0)
                    .withNewState().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().endState()
                    .endContainerStatus().endStatus().build());
            process.onExit().thenAccept(done -> reportExit(podName, container.getName(), done.exitValue()));
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + podName, e);
        }
    }

    private synchronized void reportExit(String podName, String containerName, int exitCode) {
        // A death by signal reads 128 + signal, as a container runtime reports it.
        client.pods().inNamespace(namespace).withName(podName).editStatus(p -> new PodBuilder(p).editStatus()
                .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withContainerStatuses().addNewContainerStatus().withName(containerName).withReady(false)
                .withNewState().withNewTerminated().withExitCode(exitCode)
                .withReason(exitCode == 0 ? "Completed" : "Error")
                .withFinishedAt(Instant.now().toString()).endTerminated().endState().endContainerStatus()
                .endStatus().build());
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
