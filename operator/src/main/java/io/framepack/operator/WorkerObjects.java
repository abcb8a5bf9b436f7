package io.framepack.operator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.framepack.api.v1alpha1.ImageSource;
import io.framepack.api.v1alpha1.LoraSource;
import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.Scheduling;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.WorkerResources;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.SpecHash;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerJob;

import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders the Kubernetes objects of one render: the worker Job, the ConfigMap with the
 * {@link WorkerJob}, the empty progress ConfigMap, and a ServiceAccount whose Role may only read
 * and patch that progress ConfigMap. Pure: same resource and configuration, same objects.
 */
public final class WorkerObjects {
    static final String JOB_VOLUME = "job";
    static final String API_ACCESS_VOLUME = "kube-api-access";
    /** Where Kubernetes clients look for the pod's token, CA and namespace. */
    static final String API_ACCESS_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    /**
     * The shortest lifetime the API server issues. The kubelet renews the file at 80 % of it and the
     * worker's client re-reads it every minute, so a leaked token is good for minutes, not a year.
     */
    static final long API_TOKEN_SECONDS = 600;
    private static final String JOB_FILE_NAME = WorkerContract.JOB_FILE.substring(WorkerContract.JOB_FILE.lastIndexOf('/') + 1);
    private static final String JOB_DIR = WorkerContract.JOB_FILE.substring(0, WorkerContract.JOB_FILE.lastIndexOf('/'));
    private static final ObjectMapper CANONICAL_JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final OperatorConfig config;

    public WorkerObjects(OperatorConfig config) {
        this.config = config;
    }

    /** The {@link SpecHash} of the job the worker gets: the worker computes the same from its job file. */
    public String specHash(VideoGeneration vg) {
        return specHash(vg, null);
    }

    /** @param from where a re-roll starts ({@link RerollStart}), null for a render from the first section */
    public String specHash(VideoGeneration vg, WorkerJob.RerollFrom from) {
        return workerJob(vg, from).specHash;
    }

    public WorkerJob workerJob(VideoGeneration vg) {
        return workerJob(vg, null);
    }

    public WorkerJob workerJob(VideoGeneration vg, WorkerJob.RerollFrom from) {
        VideoGenerationSpec spec = vg.getSpec();
        ResolvedStorage storage = ResolvedStorage.resolve(spec, config.defaults());
        WorkerJob job = new WorkerJob();
        job.jobId = Names.jobId(vg);
        job.prompt = spec.input.prompt == null ? "" : spec.input.prompt;
        job.prompts = spec.input.prompts;
        job.promptBlendSections = spec.input.promptBlendSections;
        job.negativePrompt = spec.input.negativePrompt == null ? "" : spec.input.negativePrompt;
        if (spec.input.image != null) {
            job.image = imageInput(spec.input.image, WorkerContract.INPUT_MOUNT);
        }
        if (spec.input.endImage != null) {
            job.endImage = imageInput(spec.input.endImage, WorkerContract.END_IMAGE_MOUNT);
            job.endImageStrength = spec.input.endImageStrength;
        }
        if (spec.input.video != null) {
            // In place of the image: its claim is the one mounted at the input mount.
            job.video = new WorkerJob.ImageInput();
            job.video.url = spec.input.video.url;
            job.video.s3 = spec.input.video.s3;
            if (spec.input.video.pvc != null) {
                job.video.file = WorkerContract.INPUT_MOUNT + "/" + spec.input.video.pvc.path;
            }
            job.videoContextFrames = spec.input.videoContextFrames;
        }
        job.render = spec.render;
        job.loras = workerLoras(spec);
        job.output = workerStorage(storage.output(), WorkerContract.OUTPUT_MOUNT);
        job.checkpoints = workerStorage(storage.checkpoints(), WorkerContract.CHECKPOINT_MOUNT);
        job.checkpointEvery = config.worker().checkpointEvery();
        job.keepCheckpoints = config.worker().keepCheckpoints();
        job.from = from;
        job.specHash = SpecHash.of(job);
        if (spec.resources != null && spec.resources.gpuMemory != null) {
            job.gpuMemoryBytes = Quantity.getAmountInBytes(new Quantity(spec.resources.gpuMemory))
                    .setScale(0, RoundingMode.FLOOR).longValueExact();
        }
        return job;
    }

    /** An image as the worker reads it: a PVC's file under {@code mount}, where the pod mounts that claim. */
    private static WorkerJob.ImageInput imageInput(ImageSource source, String mount) {
        WorkerJob.ImageInput image = new WorkerJob.ImageInput();
        image.url = source.url;
        image.s3 = source.s3;
        image.inline = source.inline;
        if (source.pvc != null) {
            image.file = mount + "/" + source.pvc.path;
        }
        return image;
    }

    /** Each LoRA as a file under its claim's mount ({@link #loraClaims}) or its S3 object, with its scale. */
    private static List<WorkerJob.Lora> workerLoras(VideoGenerationSpec spec) {
        if (spec.model == null || spec.model.loras == null) {
            return null;
        }
        List<String> claims = loraClaims(spec);
        List<WorkerJob.Lora> loras = new ArrayList<>();
        for (LoraSource source : spec.model.loras) {
            WorkerJob.Lora lora = new WorkerJob.Lora();
            if (source.pvc != null) {
                lora.file = loraMount(claims.indexOf(source.pvc.claimName)) + "/" + source.pvc.path;
            }
            lora.s3 = source.s3;
            lora.scale = source.scale == null ? 1.0 : source.scale;
            loras.add(lora);
        }
        return loras;
    }

    /** The distinct claims the LoRAs name, in order of first use: each is mounted once, whole, read-only. */
    private static List<String> loraClaims(VideoGenerationSpec spec) {
        if (spec.model == null || spec.model.loras == null) {
            return List.of();
        }
        return spec.model.loras.stream().filter(l -> l.pvc != null).map(l -> l.pvc.claimName).distinct().toList();
    }

    private static String loraMount(int claim) {
        return WorkerContract.LORA_MOUNT + "/" + claim;
    }

    private static WorkerJob.Storage workerStorage(StorageLocation location, String mount) {
        WorkerJob.Storage storage = new WorkerJob.Storage();
        if (location.pvc != null) {
            storage.directory = mount;
        } else {
            storage.s3 = location.s3;
        }
        return storage;
    }

    public ConfigMap jobConfigMap(VideoGeneration vg) {
        return jobConfigMap(vg, null);
    }

    public ConfigMap jobConfigMap(VideoGeneration vg, WorkerJob.RerollFrom from) {
        String json;
        try {
            json = CANONICAL_JSON.writerWithDefaultPrettyPrinter().writeValueAsString(workerJob(vg, from));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the worker job", e);
        }
        return new ConfigMapBuilder().withMetadata(metadata(vg, Names.jobConfigMap(vg)).build())
                .withImmutable(true)
                .addToData(JOB_FILE_NAME, json)
                .build();
    }

    /** Created empty by the operator, so the worker's Role can name it; the worker fills it. */
    public ConfigMap progressConfigMap(VideoGeneration vg) {
        return new ConfigMapBuilder()
                .withMetadata(metadata(vg, Names.progressConfigMap(vg))
                        .addToLabels(WorkerContract.PROGRESS_LABEL, vg.getMetadata().getName()).build())
                .build();
    }

    /** Its token is not mounted automatically: the pod gets a short-lived one of its own (see podSpec). */
    public ServiceAccount serviceAccount(VideoGeneration vg) {
        return new ServiceAccountBuilder().withMetadata(metadata(vg, Names.worker(vg)).build())
                .withAutomountServiceAccountToken(false).build();
    }

    public Role role(VideoGeneration vg) {
        return new RoleBuilder().withMetadata(metadata(vg, Names.worker(vg)).build())
                .addNewRule()
                .withApiGroups("")
                .withResources("configmaps")
                .withResourceNames(Names.progressConfigMap(vg))
                // The worker reads the map once (a resumed attempt keeps earlier sections) and merge-patches it.
                .withVerbs("get", "patch")
                .endRule()
                .build();
    }

    public RoleBinding roleBinding(VideoGeneration vg) {
        return new RoleBindingBuilder().withMetadata(metadata(vg, Names.worker(vg)).build())
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", Names.worker(vg))
                .addNewSubject().withKind("ServiceAccount").withName(Names.worker(vg))
                .withNamespace(vg.getMetadata().getNamespace()).endSubject()
                .build();
    }

    /**
     * The Job with one worker pod. With a queue it starts suspended until Kueue admits it. Its
     * {@code ttlSecondsAfterFinished} is set only after the outcome is recorded.
     */
    public Job job(VideoGeneration vg) {
        VideoGenerationSpec spec = vg.getSpec();
        ObjectMetaBuilder meta = metadata(vg, Names.job(vg));
        if (spec.queueName != null) {
            meta.addToLabels(Names.KUEUE_QUEUE_LABEL, spec.queueName);
        }
        boolean suspended = Boolean.TRUE.equals(spec.suspend) || spec.queueName != null;
        return new JobBuilder().withMetadata(meta.build())
                .withNewSpec()
                .withParallelism(1)
                .withCompletions(1)
                .withSuspend(suspended)
                .withBackoffLimit(spec.backoffLimit == null ? VideoGenerationSpec.DEFAULT_BACKOFF_LIMIT : spec.backoffLimit)
                .withActiveDeadlineSeconds(spec.activeDeadlineSeconds)
                // No ttlSecondsAfterFinished yet: set once the status holds the outcome (see StatusLogic),
                // so the Job cannot vanish before its result is recorded, which would start a new render.
                // A replacement pod starts only once the old one is gone: never two writers of one checkpoint.
                .withPodReplacementPolicy("Failed")
                .withNewPodFailurePolicy()
                .addNewRule().withAction("Ignore")
                .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                .endRule()
                // The worker's clean stop after SIGTERM (suspend, Kueue eviction, pod deleted) is no crash.
                .addNewRule().withAction("Ignore")
                .withNewOnExitCodes().withContainerName(Names.WORKER_CONTAINER).withOperator("In")
                .withValues(ExitCode.TERMINATED.code).endOnExitCodes()
                .endRule()
                .addNewRule().withAction("FailJob")
                .withNewOnExitCodes().withContainerName(Names.WORKER_CONTAINER).withOperator("In")
                .withValues(ExitCode.INVALID_INPUT.code).endOnExitCodes()
                .endRule()
                .addNewRule().withAction("Count")
                .withNewOnExitCodes().withContainerName(Names.WORKER_CONTAINER).withOperator("NotIn")
                .withValues(ExitCode.INVALID_INPUT.code).endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .withNewTemplate()
                .withNewMetadata().addToLabels(Names.RENDER_LABEL, vg.getMetadata().getName())
                .addToLabels(Names.MANAGED_BY, Names.OPERATOR_NAME).endMetadata()
                .withSpec(podSpec(vg))
                .endTemplate()
                .endSpec()
                .build();
    }

    private PodSpec podSpec(VideoGeneration vg) {
        VideoGenerationSpec spec = vg.getSpec();
        ResolvedStorage storage = ResolvedStorage.resolve(spec, config.defaults());
        OperatorConfig.Worker worker = config.worker();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName(JOB_VOLUME).withNewConfigMap()
                .withName(Names.jobConfigMap(vg)).endConfigMap().build());
        mounts.add(new VolumeMountBuilder().withName(JOB_VOLUME).withMountPath(JOB_DIR).withReadOnly(true).build());
        volumes.add(new VolumeBuilder().withName("scratch").withNewEmptyDir()
                .withSizeLimit(new Quantity(worker.scratchSize())).endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName("scratch").withMountPath(WorkerContract.SCRATCH_MOUNT).build());
        volumes.add(apiAccessVolume());
        mounts.add(new VolumeMountBuilder().withName(API_ACCESS_VOLUME).withMountPath(API_ACCESS_DIR).withReadOnly(true).build());
        addPvc("model", storage.model(), WorkerContract.MODEL_MOUNT, true, true, volumes, mounts);
        PvcLocation input = spec.input.image != null ? spec.input.image.pvc : spec.input.video.pvc;
        if (input != null) {
            // The image's (or video's) path stays in the job file; the claim root is mounted so the path resolves as given.
            addPvc("input", input, WorkerContract.INPUT_MOUNT, true, false, volumes, mounts);
        }
        if (spec.input.endImage != null && spec.input.endImage.pvc != null) {
            addPvc("input-end", spec.input.endImage.pvc, WorkerContract.END_IMAGE_MOUNT, true, false, volumes, mounts);
        }
        List<String> loraClaims = loraClaims(spec);
        for (int i = 0; i < loraClaims.size(); i++) {
            PvcLocation claim = new PvcLocation();
            claim.claimName = loraClaims.get(i);
            addPvc("lora-" + i, claim, loraMount(i), true, false, volumes, mounts);
        }
        if (storage.output().pvc != null) {
            addPvc("output", storage.output().pvc, WorkerContract.OUTPUT_MOUNT, false, true, volumes, mounts);
        }
        if (storage.checkpoints().pvc != null) {
            addPvc("checkpoints", storage.checkpoints().pvc, WorkerContract.CHECKPOINT_MOUNT, false, true, volumes, mounts);
        }

        Map<String, Quantity> limits = new LinkedHashMap<>();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        int gpus = spec.resources.gpus == null ? WorkerResources.DEFAULT_GPUS : spec.resources.gpus;
        if (gpus > 0) {
            limits.put(gpuResourceName(spec), new Quantity(Integer.toString(gpus)));
        }
        if (spec.resources.memory != null) {
            limits.put("memory", new Quantity(spec.resources.memory));
            requests.put("memory", new Quantity(spec.resources.memory));
        }
        Quantity cpu = new Quantity(spec.resources.cpu != null ? spec.resources.cpu : worker.cpu());
        requests.put("cpu", cpu);
        limits.put("cpu", cpu);

        PodSpecBuilder pod = new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withServiceAccountName(Names.worker(vg))
                .withAutomountServiceAccountToken(false)
                // No environment variables for every Service of the namespace: a render has no use for them.
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds((long) worker.terminationGraceSeconds())
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(worker.runAsUser()).withRunAsGroup(worker.runAsUser())
                .withFsGroup(worker.runAsUser())
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withVolumes(volumes)
                .addNewContainer()
                .withName(Names.WORKER_CONTAINER)
                .withImage(worker.image())
                .withImagePullPolicy(imagePullPolicy(worker))
                .withCommand("framepack-worker", "run")
                .withEnv(env(vg, storage, gpus))
                .withVolumeMounts(mounts)
                .withNewResources().withLimits(limits).withRequests(requests).endResources()
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true).withRunAsNonRoot(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .endContainer()
                .withNodeSelector(nodeSelector(spec.scheduling))
                .withTolerations(tolerations(spec.scheduling));
        if (spec.scheduling != null) {
            pod.withAffinity(spec.scheduling.affinity)
                    .withPriorityClassName(spec.scheduling.priorityClassName)
                    .withRuntimeClassName(spec.scheduling.runtimeClassName);
        }
        return pod.build();
    }

    /** The worker's own token (least privilege: only the API access its progress reports need). */
    private static Volume apiAccessVolume() {
        return new VolumeBuilder().withName(API_ACCESS_VOLUME).withNewProjected()
                .addNewSource().withNewServiceAccountToken().withPath("token")
                .withExpirationSeconds(API_TOKEN_SECONDS).endServiceAccountToken().endSource()
                .addNewSource().withNewConfigMap().withName("kube-root-ca.crt")
                .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endConfigMap().endSource()
                .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace")
                .withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endItem().endDownwardAPI().endSource()
                .endProjected().build();
    }

    /** An image by digest cannot change, so a cached copy is right; a tag may have moved, so pull again. */
    private static String imagePullPolicy(OperatorConfig.Worker worker) {
        return worker.imagePullPolicy().orElse(worker.image().contains("@") ? "IfNotPresent" : "Always");
    }

    /**
     * The extended resource the worker's GPUs are requested as: the resource's own, else the cluster
     * default. Also asked by the observer about specs not yet validated, hence the null checks.
     */
    public String gpuResourceName(VideoGenerationSpec spec) {
        String own = spec == null || spec.resources == null ? null : spec.resources.gpuResourceName;
        return own != null ? own : config.worker().gpuResourceName();
    }

    /** The cluster-wide node labels with the resource's own added; the resource's value wins for a key in both. */
    private Map<String, String> nodeSelector(Scheduling scheduling) {
        Map<String, String> labels = new LinkedHashMap<>(config.worker().nodeSelector().labels());
        if (scheduling != null && scheduling.nodeSelector != null) {
            labels.putAll(scheduling.nodeSelector);
        }
        return labels;
    }

    /** The cluster-wide tolerations followed by the resource's own; one given in both appears once. */
    private List<Toleration> tolerations(Scheduling scheduling) {
        Set<Toleration> tolerations = new LinkedHashSet<>(config.worker().tolerations().items());
        if (scheduling != null && scheduling.tolerations != null) {
            tolerations.addAll(scheduling.tolerations);
        }
        return new ArrayList<>(tolerations);
    }

    private static void addPvc(String name, PvcLocation pvc, String mountPath, boolean readOnly, boolean subPath,
                               List<Volume> volumes, List<VolumeMount> mounts) {
        volumes.add(new VolumeBuilder().withName(name).withNewPersistentVolumeClaim()
                .withClaimName(pvc.claimName).withReadOnly(readOnly).endPersistentVolumeClaim().build());
        VolumeMountBuilder mount = new VolumeMountBuilder().withName(name).withMountPath(mountPath).withReadOnly(readOnly);
        if (subPath && pvc.path != null && !pvc.path.isEmpty()) {
            mount.withSubPath(pvc.path);
        }
        mounts.add(mount.build());
    }

    private List<EnvVar> env(VideoGeneration vg, ResolvedStorage storage, int gpus) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar(WorkerContract.ENV_PROGRESS_CONFIGMAP, Names.progressConfigMap(vg), null));
        env.add(new EnvVar(WorkerContract.ENV_JOB_ID, Names.jobId(vg), null));
        env.add(new EnvVarBuilder().withName(WorkerContract.ENV_NAMESPACE).withNewValueFrom()
                .withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endValueFrom().build());
        env.add(new EnvVarBuilder().withName(WorkerContract.ENV_POD_NAME).withNewValueFrom()
                .withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        // Leave a margin inside the kubelet's grace period for the process to exit after its checkpoint.
        int grace = Math.max(1, config.worker().terminationGraceSeconds() - 10);
        env.add(new EnvVar(WorkerContract.ENV_GRACE_SECONDS, Integer.toString(grace), null));
        if (gpus == 0) {
            env.add(new EnvVar(WorkerContract.ENV_DEVICE, "cpu", null));
        }
        // The validator makes sure all S3 locations name the same Secret.
        storage.s3CredentialsSecrets(vg.getSpec()).findFirst().ifPresent(secret -> {
            env.add(secretEnv(WorkerContract.ENV_S3_ACCESS_KEY, secret));
            env.add(secretEnv(WorkerContract.ENV_S3_SECRET_KEY, secret));
        });
        env.add(new EnvVar(WorkerContract.ENV_S3_AMBIENT_CREDENTIALS,
                Boolean.toString(config.worker().credentials().allowAmbient()), null));
        config.worker().urlAllowlist().ifPresent(entries ->
                env.add(new EnvVar(WorkerContract.URL_ALLOWLIST_ENV, String.join(",", entries.entries()), null)));
        return env;
    }

    private static EnvVar secretEnv(String key, String secret) {
        return new EnvVarBuilder().withName(key).withNewValueFrom()
                .withNewSecretKeyRef().withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }

    private static ObjectMetaBuilder metadata(VideoGeneration vg, String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(vg.getMetadata().getNamespace())
                .addToLabels(Names.RENDER_LABEL, vg.getMetadata().getName())
                .addToLabels(Names.MANAGED_BY, Names.OPERATOR_NAME)
                .withOwnerReferences(ownerReference(vg));
    }

    /** Controller owner reference: the garbage collector deletes these objects with the resource. */
    static OwnerReference ownerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }
}
