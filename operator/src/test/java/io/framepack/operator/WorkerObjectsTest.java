package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.worker.SpecHash;
import io.framepack.api.worker.WorkerJob;
import io.framepack.api.worker.WorkerContract;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker pod of the example manifests under the operator's cluster-wide worker placement. */
class WorkerObjectsTest {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Toleration SPOT_TAINT = new TolerationBuilder().withKey("cloud.example.com/spot")
            .withOperator("Equal").withValue("true").withEffect("NoSchedule").build();

    @Test
    void aResourceThatNamesNoPlacementGetsTheClusterDefaults() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withPlacement("nvidia.com/mig-3g.40gb",
                TestConfig.GPU_NODES, List.of(TestConfig.GPU_TAINT)));
        VideoGeneration vg = example("videogeneration-pvc.yaml");
        assertThat(vg.getSpec().resources.gpuResourceName).isNull();
        assertThat(vg.getSpec().scheduling).isNull();

        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/mig-3g.40gb", new Quantity("1"))
                .doesNotContainKey("nvidia.com/gpu");
        assertThat(pod.getNodeSelector()).isEqualTo(TestConfig.GPU_NODES);
        assertThat(pod.getTolerations()).containsExactly(TestConfig.GPU_TAINT);
        assertThat(objects.workerJob(vg).gpuMemoryBytes).isEqualTo(22L << 30);
        assertThat(pod.getContainers().get(0).getResources().getRequests()).containsEntry("memory", new Quantity("48Gi"));
    }

    @Test
    void theResourcesOwnPlacementWinsPerFieldAndAddsToTheClusterDefaults() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withPlacement("nvidia.com/mig-3g.40gb",
                Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB", "pool", "render"),
                List.of(TestConfig.GPU_TAINT, SPOT_TAINT)));
        // Names nvidia.com/gpu, the H100 product label and the GPU taint's toleration itself.
        VideoGeneration vg = example("videogeneration-s3-kueue.yaml");

        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/gpu", new Quantity("1"))
                .doesNotContainKey("nvidia.com/mig-3g.40gb");
        assertThat(pod.getNodeSelector()).isEqualTo(Map.of(
                "nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3",
                "pool", "render"));
        assertThat(pod.getTolerations()).containsExactly(TestConfig.GPU_TAINT, SPOT_TAINT);
        assertThat(pod.getPriorityClassName()).isEqualTo("batch-low");
        assertThat(objects.workerJob(vg).gpuMemoryBytes).as("no budget: what the GPU has free").isNull();
    }

    @Test
    void noPlacementAnywhereLeavesThePodUnconstrained() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withPlacement("nvidia.com/gpu", Map.of(), List.of()));
        PodSpec pod = objects.job(example("videogeneration-pvc.yaml")).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(pod.getNodeSelector()).isEmpty();
        assertThat(pod.getTolerations()).isEmpty();
        assertThat(SERIALIZATION.asJson(pod)).doesNotContain("nodeSelector", "tolerations");
    }

    @Test
    void theWorkerGetsOnlyAShortLivedTokenForItsOneProgressConfigMap() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withDefaults());
        VideoGeneration vg = example("videogeneration-pvc.yaml");
        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();

        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getEnableServiceLinks()).isFalse();
        assertThat(objects.serviceAccount(vg).getAutomountServiceAccountToken()).isFalse();
        Volume access = pod.getVolumes().stream().filter(v -> v.getName().equals(WorkerObjects.API_ACCESS_VOLUME))
                .findFirst().orElseThrow();
        assertThat(access.getProjected().getSources()).anySatisfy(source -> {
            assertThat(source.getServiceAccountToken().getPath()).isEqualTo("token");
            assertThat(source.getServiceAccountToken().getExpirationSeconds()).isEqualTo(600L);
        });
        assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getName()).isEqualTo(WorkerObjects.API_ACCESS_VOLUME);
            assertThat(mount.getMountPath()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
            assertThat(mount.getReadOnly()).isTrue();
        });
        Role role = objects.role(vg);
        assertThat(role.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getResources()).containsExactly("configmaps");
            assertThat(rule.getResourceNames()).containsExactly(vg.getMetadata().getName() + "-progress");
            assertThat(rule.getVerbs()).containsExactly("get", "patch");
        });
    }

    @Test
    void theWorkerContainerIsConfinedAndItsCpuLimited() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withDefaults());
        VideoGeneration vg = example("videogeneration-pvc.yaml");
        assertThat(vg.getSpec().resources.cpu).isNull();
        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        Container worker = pod.getContainers().get(0);
        assertThat(worker.getResources().getLimits()).containsEntry("cpu", new Quantity("4"));
        assertThat(worker.getResources().getRequests()).containsEntry("cpu", new Quantity("4"));
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(worker.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(worker.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(worker.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");

        vg.getSpec().resources.cpu = "12";
        Container own = objects.job(vg).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(own.getResources().getLimits()).containsEntry("cpu", new Quantity("12"));
        assertThat(own.getResources().getRequests()).containsEntry("cpu", new Quantity("12"));
    }

    @Test
    void aMovableTagIsPulledAlwaysAndADigestOnce() throws IOException {
        VideoGeneration vg = example("videogeneration-pvc.yaml");
        Container byTag = new WorkerObjects(TestConfig.withDefaults().withWorker(w -> w.withImage("ghcr.io/x/worker:0.1.0")))
                .job(vg).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(byTag.getImagePullPolicy()).isEqualTo("Always");
        String digest = "ghcr.io/x/worker@sha256:" + "a".repeat(64);
        Container byDigest = new WorkerObjects(TestConfig.withDefaults().withWorker(w -> w.withImage(digest)))
                .job(vg).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(byDigest.getImage()).isEqualTo(digest);
        assertThat(byDigest.getImagePullPolicy()).isEqualTo("IfNotPresent");
    }

    @Test
    void theClusterUrlAllowlistAndAmbientCredentialsSettingReachTheWorker() throws IOException {
        VideoGeneration vg = example("videogeneration-pvc.yaml");
        assertThat(workerEnv(new WorkerObjects(TestConfig.withDefaults()), vg))
                .containsEntry(WorkerContract.ENV_S3_AMBIENT_CREDENTIALS, "false")
                .doesNotContainKey(WorkerContract.URL_ALLOWLIST_ENV);
        WorkerObjects configured = new WorkerObjects(TestConfig.withDefaults().withWorker(w -> w
                .withUrlAllowlist(List.of("minio.storage.svc", "10.0.0.0/8")).withCredentials(true, true)));
        assertThat(workerEnv(configured, vg))
                .containsEntry(WorkerContract.URL_ALLOWLIST_ENV, "minio.storage.svc,10.0.0.0/8")
                .containsEntry(WorkerContract.ENV_S3_AMBIENT_CREDENTIALS, "true");
    }

    @Test
    void timedPromptsAndTheirBlendReachTheWorkerJobAndItsSpecHash() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withDefaults());
        VideoGeneration vg = example("videogeneration-timed-prompts.yaml");
        WorkerJob job = objects.workerJob(vg);
        assertThat(job.prompts).extracting(p -> p.start + " " + p.text).containsExactly(
                "0s The girl stands still and smiles at the camera.",
                "2s The girl dances gracefully, with clear movements, full of charm.",
                "4.5s The girl bows and waves goodbye.");
        assertThat(job.promptBlendSections).isEqualTo(2);
        assertThat(job.specHash).isEqualTo(SpecHash.of(job));
        String timedHash = job.specHash;
        vg.getSpec().input.prompts.get(2).start = "4s";
        assertThat(objects.specHash(vg)).as("a moved start is another render").isNotEqualTo(timedHash);
    }

    @Test
    void theEndImageIsMountedOnItsOwnAndReachesTheWorkerJobAndItsSpecHash() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withDefaults());
        VideoGeneration vg = example("videogeneration-end-image.yaml");
        WorkerJob job = objects.workerJob(vg);
        assertThat(job.image.file).isEqualTo(WorkerContract.INPUT_MOUNT + "/images/dancer.png");
        assertThat(job.endImage.file).isEqualTo(WorkerContract.END_IMAGE_MOUNT + "/poses/bow.png");
        assertThat(job.endImageStrength).isEqualTo(0.8);
        assertThat(job.specHash).isEqualTo(SpecHash.of(job));

        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        Volume end = pod.getVolumes().stream().filter(v -> v.getName().equals("input-end")).findFirst().orElseThrow();
        assertThat(end.getPersistentVolumeClaim().getClaimName()).isEqualTo("framepack-poses");
        assertThat(end.getPersistentVolumeClaim().getReadOnly()).isTrue();
        assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getName()).isEqualTo("input-end");
            assertThat(mount.getMountPath()).isEqualTo(WorkerContract.END_IMAGE_MOUNT);
            assertThat(mount.getReadOnly()).isTrue();
            assertThat(mount.getSubPath()).isNull();
        });

        String ended = job.specHash;
        vg.getSpec().input.endImageStrength = 0.5;
        assertThat(objects.specHash(vg)).as("another strength is another render").isNotEqualTo(ended);
        vg.getSpec().input.endImage = null;
        vg.getSpec().input.endImageStrength = null;
        assertThat(objects.workerJob(vg).endImage).isNull();
        assertThat(objects.job(vg).getSpec().getTemplate().getSpec().getVolumes()).noneMatch(v -> v.getName().equals("input-end"));
    }

    @Test
    void anEndImageOnS3BringsTheOneCredentialsSecret() throws IOException {
        VideoGeneration vg = example("videogeneration-end-image.yaml");
        vg.getSpec().input.endImage.pvc = null;
        vg.getSpec().input.endImage.s3 = new io.framepack.api.v1alpha1.S3Location();
        vg.getSpec().input.endImage.s3.bucket = "poses";
        vg.getSpec().input.endImage.s3.prefix = "bow.png";
        vg.getSpec().input.endImage.s3.credentialsSecret = "s3-poses";
        Container worker = new WorkerObjects(TestConfig.withDefaults()).job(vg).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertThat(worker.getEnv()).filteredOn(e -> e.getName().equals(WorkerContract.ENV_S3_ACCESS_KEY))
                .singleElement().satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-poses"));
    }

    @Test
    void loraClaimsAreMountedOnceReadOnlyAndTheJobNamesEachLoraInOrder() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withDefaults());
        VideoGeneration vg = example("videogeneration-lora.yaml");
        WorkerJob job = objects.workerJob(vg);
        assertThat(job.loras).hasSize(2);
        assertThat(job.loras.get(0).file).isEqualTo(WorkerContract.LORA_MOUNT + "/0/loras/anime-style.safetensors");
        assertThat(job.loras.get(0).s3).isNull();
        assertThat(job.loras.get(0).scale).isEqualTo(0.8);
        assertThat(job.loras.get(1).file).isNull();
        assertThat(job.loras.get(1).s3.prefix).isEqualTo("motion/smooth-dance.safetensors");
        assertThat(job.loras.get(1).scale).isEqualTo(0.5);

        PodSpec pod = objects.job(vg).getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().startsWith("lora-")).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("framepack-models"))
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue());
        assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("lora-0"))
                .singleElement().satisfies(m -> {
                    assertThat(m.getMountPath()).isEqualTo(WorkerContract.LORA_MOUNT + "/0");
                    assertThat(m.getReadOnly()).isTrue();
                    assertThat(m.getSubPath()).as("the claim root: the job names the file under it").isNull();
                });
        // The S3 LoRA's Secret is the worker's S3 credentials (the only S3 location of this render).
        assertThat(pod.getContainers().get(0).getEnv()).filteredOn(e -> e.getName().equals(WorkerContract.ENV_S3_ACCESS_KEY))
                .singleElement().satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("framepack-s3"));

        vg.getSpec().model.loras.get(1).pvc = vg.getSpec().model.loras.get(0).pvc;
        vg.getSpec().model.loras.get(1).s3 = null;
        assertThat(objects.workerJob(vg).loras.get(1).file).as("the same claim, mounted once")
                .isEqualTo(WorkerContract.LORA_MOUNT + "/0/loras/anime-style.safetensors");
        vg.getSpec().model.loras = null;
        assertThat(objects.workerJob(vg).loras).isNull();
    }

    @Test
    void aVideoToExtendReachesTheWorkerJobItsHashAndTheInputMount() throws IOException {
        WorkerObjects objects = new WorkerObjects(TestConfig.withDefaults());
        VideoGeneration vg = example("videogeneration-video-extension.yaml");
        WorkerJob job = objects.workerJob(vg);
        assertThat(job.video.file).isEqualTo(WorkerContract.INPUT_MOUNT + "/videos/dancer.mp4");
        assertThat(job.videoContextFrames).isEqualTo(5);
        assertThat(job.image.file).isNull();
        assertThat(job.specHash).isEqualTo(SpecHash.of(job));
        assertThat(objects.job(vg).getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .extracting(v -> v.getPersistentVolumeClaim().getClaimName()).contains("framepack-inputs");

        String hash = job.specHash;
        vg.getSpec().input.videoContextFrames = 3;
        assertThat(objects.workerJob(vg).specHash).isNotEqualTo(hash);
    }

    private static Map<String, String> workerEnv(WorkerObjects objects, VideoGeneration vg) {
        return objects.job(vg).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static VideoGeneration example(String file) throws IOException {
        return SERIALIZATION.unmarshal(Files.readString(Path.of("..", "src", "examples", file)), VideoGeneration.class);
    }
}
