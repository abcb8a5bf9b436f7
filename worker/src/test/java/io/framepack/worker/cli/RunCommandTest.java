package io.framepack.worker.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.v1alpha1.TimedPromptSpec;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.SpecHash;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerJob;
import io.framepack.api.worker.WorkerProgress;
import io.framepack.worker.prompt.TimedPrompt;
import io.framepack.worker.runtime.RandomWalkRenderer;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Renderer;
import io.framepack.worker.runtime.storage.S3Store;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code framepack-worker run} configured as the operator configures a pod: job file, environment,
 * progress ConfigMap on an API server (Fabric8 mock), output in S3 (s3proxy), checkpoints on a volume.
 */
class RunCommandTest {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @RegisterExtension
    static final S3ProxyExtension S3 = S3ProxyExtension.builder()
            .withCredentials(AuthenticationType.AWS_V2_OR_V4, "access", "secret").build();

    @TempDir
    Path dir;
    KubernetesMockServer server;
    KubernetesClient client;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void cluster() throws IOException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        // The pod's in-cluster configuration, as Fabric8 reads it.
        System.setProperty("kubernetes.master", client.getMasterUrl().toString());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("aws.accessKeyId", "access");
        System.setProperty("aws.secretAccessKey", "secret");
        client.configMaps().inNamespace("videos").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("sunset-progress").addToLabels(WorkerContract.PROGRESS_LABEL, "sunset").endMetadata().build()).create();
        try (S3Client s3 = S3Client.builder().endpointOverride(S3.getUri()).forcePathStyle(true).region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.builder().build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret"))).build()) {
            s3.createBucket(b -> b.bucket("videos"));
        }
        env.put(WorkerContract.ENV_JOB_FILE, dir.resolve("job.json").toString());
        env.put(WorkerContract.ENV_PROGRESS_CONFIGMAP, "sunset-progress");
        env.put(WorkerContract.ENV_NAMESPACE, "videos");
        env.put(WorkerContract.ENV_POD_NAME, "sunset-x1");
        env.put(WorkerContract.ENV_ATTEMPT, "0");
        Files.createDirectories(dir.resolve("models"));
        Files.writeString(dir.resolve("models/weights.bin"), "weights");
    }

    @AfterEach
    void shutdown() {
        for (String property : new String[] {"kubernetes.master", "kubernetes.auth.tryKubeConfig",
                "kubernetes.auth.tryServiceAccount", "aws.accessKeyId", "aws.secretAccessKey"}) {
            System.clearProperty(property);
        }
        client.close();
        server.destroy();
    }

    WorkerJob job() {
        WorkerJob job = new WorkerJob();
        job.jobId = "videos/sunset/0a1b2c3d";
        job.specHash = "abc123";
        job.prompt = "a sunset";
        job.image.inline = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
        job.modelDir = dir.resolve("models").toString();
        job.checkpoints.directory = dir.resolve("checkpoints").toString();
        job.output.s3 = new S3Location();
        job.output.s3.bucket = "videos";
        job.output.s3.prefix = "renders";
        job.output.s3.endpoint = S3.getUri().toString();
        job.output.s3.pathStyle = true;
        return job;
    }

    WorkerProgress progress() throws IOException {
        return JSON.readValue(client.configMaps().inNamespace("videos").withName("sunset-progress").get()
                .getData().get(WorkerContract.PROGRESS_KEY), WorkerProgress.class);
    }

    @Test
    void rendersTheMountedJobReportingToTheConfigMapAndWritingToS3() throws IOException {
        JSON.writeValue(dir.resolve("job.json").toFile(), job());

        int code = new WorkerCli(new RandomWalkRenderer(3), env).execute("run");

        assertThat(code).isEqualTo(ExitCode.SUCCESS.code);
        WorkerProgress progress = progress();
        assertThat(progress.state).isEqualTo(WorkerProgress.State.Succeeded);
        assertThat(progress.jobId).isEqualTo("videos/sunset/0a1b2c3d");
        assertThat(progress.podName).isEqualTo("sunset-x1");
        assertThat(progress.sectionsCompleted).isEqualTo(3);
        assertThat(progress.sections).hasSize(3);
        assertThat(progress.lastCheckpoint.section).isEqualTo(3);
        assertThat(progress.lastCheckpoint.location).startsWith(dir.resolve("checkpoints/videos/sunset/0a1b2c3d/ckpt-000003-").toString());
        assertThat(progress.output.location).isEqualTo("s3://videos/renders/sunset.mp4");
        assertThat(progress.output.sizeBytes).isPositive();
    }

    @Test
    void aJobFileClaimingAnotherJobsSpecHashDoesNotResumeItsCheckpoints() throws IOException {
        JSON.writeValue(dir.resolve("job.json").toFile(), job());
        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.SUCCESS.code);
        WorkerJob edited = job();
        edited.prompt = "a storm";
        JSON.writeValue(dir.resolve("job.json").toFile(), edited);

        int code = new WorkerCli(new RandomWalkRenderer(3), env).execute("run");

        assertThat(code).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().reason).isEqualTo("CheckpointMismatch");
        assertThat(progress().message).contains("made for a different spec");
    }

    @Test
    void theJobReachesThePlanTheRendererOpens() throws IOException {
        WorkerJob job = job();
        job.gpuMemoryBytes = 22L << 30;
        job.checkpointEvery = 2;
        job.render.steps = 3;
        JSON.writeValue(dir.resolve("job.json").toFile(), job);
        RenderPlan plan = planOfSuccessfulRun();
        assertThat(plan.identity().jobId()).isEqualTo(job.jobId);
        assertThat(plan.identity().specHash()).as("computed from the job, not the file's copy").isEqualTo(SpecHash.of(job));
        assertThat(plan.inputs().prompts()).containsExactly(TimedPrompt.whole("a sunset"));
        assertThat(plan.inputs().startImage()).containsExactly(1, 2, 3);
        assertThat(plan.settings()).usingRecursiveComparison().isEqualTo(job.render);
        assertThat(plan.outputs()).isEqualTo(new RenderPlan.Outputs("sunset", 2));
        assertThat(plan.resources()).isEqualTo(new RenderPlan.Resources(dir.resolve("models"), null, 22L << 30));
    }

    @Test
    void timedPromptsOfTheJobReachThePlanInsteadOfItsPrompt() throws IOException {
        WorkerJob job = job();
        job.prompts = List.of(new TimedPromptSpec("0s", "a sunset"), new TimedPromptSpec("1.5s", "the night falls"));
        job.promptBlendSections = 3;
        RenderPlan planned = planOfRun(job);
        assertThat(planned.inputs().prompts()).containsExactly(TimedPrompt.whole("a sunset"),
                new TimedPrompt("the night falls", 1.5, OptionalDouble.empty()));
        assertThat(planned.inputs().promptBlendSections()).isEqualTo(3);
        assertThat(planned.identity().specHash()).isEqualTo(SpecHash.of(job)).isNotEqualTo(SpecHash.of(job()));
    }

    @Test
    void theEndImageOfTheJobAndItsStrengthReachThePlanAndItsHash() throws IOException {
        WorkerJob job = job();
        job.endImage = new WorkerJob.ImageInput();
        job.endImage.file = Files.write(dir.resolve("end.png"), new byte[] {4, 5, 6}).toString();
        job.endImageStrength = 0.25;

        RenderPlan planned = planOfRun(job);
        assertThat(planned.inputs().endImage()).containsExactly(4, 5, 6);
        assertThat(planned.inputs().endImageStrength()).isEqualTo(0.25);
        assertThat(planned.identity().specHash()).isEqualTo(SpecHash.of(job)).isNotEqualTo(SpecHash.of(job()));
    }

    /** Runs {@code job} to success (a one-section random walk) and returns the plan its renderer was opened with. */
    private RenderPlan planOfRun(WorkerJob job) throws IOException {
        JSON.writeValue(dir.resolve("job.json").toFile(), job);
        return planOfSuccessfulRun();
    }

    @Test
    void anEndImageWithF1OrABadStrengthOrSourceIsNamed() throws IOException {
        WorkerJob job = job();
        job.endImage = new WorkerJob.ImageInput();
        job.endImage.inline = "AAAA";
        job.endImageStrength = 2.0;
        job.render.variant = io.framepack.api.v1alpha1.RenderSettings.Variant.f1;
        JSON.writeValue(dir.resolve("job.json").toFile(), job);

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).contains("endImageStrength: must be between 0 and 1 (got 2.0)")
                .contains("endImage: needs inverted sampling (F1 renders forward");

        WorkerJob twoSources = job();
        twoSources.endImage = new WorkerJob.ImageInput();
        twoSources.endImage.inline = "AAAA";
        twoSources.endImage.url = "https://images.example.com/end.png";
        JSON.writeValue(dir.resolve("job.json").toFile(), twoSources);
        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).isEqualTo("end image: the job must name exactly one image source (file, inline, s3 or url),"
                + " it names 2");
    }

    @Test
    void badTimedPromptsInTheJobFileAreNamed() throws IOException {
        WorkerJob job = job();
        job.prompts = List.of(new TimedPromptSpec("0s", "a sunset"), new TimedPromptSpec("0s", "the night"));
        job.promptBlendSections = -1;
        JSON.writeValue(dir.resolve("job.json").toFile(), job);

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).contains("prompts[1].start: starts must increase strictly")
                .contains("promptBlendSections: must be between 0 and 64 (got -1)");
    }

    @Test
    void anInvalidJobFileFailsAsInvalidInput() throws IOException {
        Files.writeString(dir.resolve("job.json"), "{\"jobId\": ");

        int code = new WorkerCli(new RandomWalkRenderer(3), env).execute("run");

        assertThat(code).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().state).isEqualTo(WorkerProgress.State.Failed);
        assertThat(progress().reason).isEqualTo("InvalidInput");
        assertThat(progress().message).startsWith("job file " + dir.resolve("job.json") + " is not a valid job");
    }

    @Test
    void aMissingImageFileFailsAsInvalidInput() throws IOException {
        WorkerJob job = job();
        job.image.inline = null;
        job.image.file = dir.resolve("input/missing.png").toString();
        JSON.writeValue(dir.resolve("job.json").toFile(), job);

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).isEqualTo("image file " + dir.resolve("input/missing.png") + " does not exist");
    }

    @Test
    void anImageUrlOnAnInternalAddressIsRefusedUnlessAllowed() throws IOException {
        WorkerJob job = job();
        job.image.inline = null;
        job.image.url = "http://127.0.0.1:9/girl.png";
        JSON.writeValue(dir.resolve("job.json").toFile(), job);

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).startsWith("image URL http://127.0.0.1:9/girl.png leads to 127.0.0.1, a loopback");
    }

    @Test
    void aRefusedConnectionNamesTheUrl() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        WorkerJob job = job();
        job.image.inline = null;
        job.image.url = "http://127.0.0.1:" + closed + "/girl.png";
        JSON.writeValue(dir.resolve("job.json").toFile(), job);
        env.put(WorkerContract.URL_ALLOWLIST_ENV, "127.0.0.1");

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.FAILURE.code);
        assertThat(progress().message).endsWith("cannot download image " + job.image.url + ": connection refused");
    }

    @Test
    void anOutOfRangeSettingInTheJobFileIsNamed() throws IOException {
        WorkerJob job = job();
        job.render.seconds = 1e9;
        job.prompt = null;
        job.keepCheckpoints = 0;
        JSON.writeValue(dir.resolve("job.json").toFile(), job);

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).isEqualTo("invalid settings: render.seconds: must be above 0 and at most 120 (got 1.0E9);"
                + " prompt: required; keepCheckpoints: must be between 1 and 100 (got 0)");
    }

    @Test
    void aBadGracePeriodIsNamed() throws IOException {
        JSON.writeValue(dir.resolve("job.json").toFile(), job());
        env.put(WorkerContract.ENV_GRACE_SECONDS, "-5");

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).isEqualTo("invalid settings: " + WorkerContract.ENV_GRACE_SECONDS
                + ": must be between 1 and 86400 (got -5)");
    }

    @Test
    void helpDocumentsTheExitCodes() {
        String help = StandardOutput.of(() -> new WorkerCli(new RandomWalkRenderer(1), env).execute("--help")).text();
        assertThat(help).contains("Exit codes:").contains("65").contains("75")
                .contains("generate").contains("run");
    }

    /** Runs the job file with a one-section walk and returns the plan the renderer was opened with. */
    private RenderPlan planOfSuccessfulRun() {
        RenderPlan[] opened = new RenderPlan[1];
        Renderer walk = new RandomWalkRenderer(1);
        assertThat(new WorkerCli((plan, progress) -> {
            opened[0] = plan;
            return walk.open(plan, progress);
        }, env).execute("run")).isEqualTo(ExitCode.SUCCESS.code);
        return opened[0];
    }

    private static final Path LORA = Path.of("src/test/resources/goldens/creative/lora1_kohya.safetensors");

    /** The job's LoRAs: a mounted file, and the same file as an S3 object. */
    private WorkerJob jobWithLoras(double s3Scale) throws IOException {
        WorkerJob job = job();
        try (S3Store bucket = S3Store.connect(Stores.withPrefix(job.output.s3, ""), dir)) {
            bucket.upload("loras/style.safetensors", LORA);
        }
        WorkerJob.Lora mounted = new WorkerJob.Lora();
        mounted.file = LORA.toString();
        mounted.scale = 0.8;
        WorkerJob.Lora downloaded = new WorkerJob.Lora();
        downloaded.s3 = new S3Location();
        downloaded.s3.bucket = "videos";
        downloaded.s3.prefix = "loras/style.safetensors";
        downloaded.s3.endpoint = S3.getUri().toString();
        downloaded.s3.pathStyle = true;
        downloaded.scale = s3Scale;
        job.loras = List.of(mounted, downloaded);
        return job;
    }

    @Test
    void theJobsLorasReachThePlanAnS3OneDownloadedAndBothInTheModelIdentity() throws IOException {
        JSON.writeValue(dir.resolve("job.json").toFile(), jobWithLoras(-0.5));
        RenderPlan plan = planOfSuccessfulRun();

        List<RenderPlan.Lora> loras = plan.resources().loras();
        assertThat(loras).hasSize(2);
        assertThat(loras.get(0)).isEqualTo(new RenderPlan.Lora(LORA, 0.8));
        assertThat(loras.get(1).scale()).isEqualTo(-0.5);
        assertThat(Files.readAllBytes(loras.get(1).file())).isEqualTo(Files.readAllBytes(LORA));
        String modelId = plan.identity().modelId();
        String sha = modelId.substring(modelId.indexOf(" + LoRA ") + 8, modelId.indexOf(" x0.8"));
        assertThat(modelId).endsWith(" + LoRA " + sha + " x0.8 + LoRA " + sha + " x-0.5");
    }

    @Test
    void aResumeWithOtherLorasIsRefused() throws IOException {
        JSON.writeValue(dir.resolve("job.json").toFile(), jobWithLoras(-0.5));
        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.SUCCESS.code);
        JSON.writeValue(dir.resolve("job.json").toFile(), jobWithLoras(0.5));

        assertThat(new WorkerCli(new RandomWalkRenderer(3), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().reason).isEqualTo("CheckpointMismatch");
        assertThat(progress().message).contains("made with different model files").contains(" x-0.5, now ");
    }

    @Test
    void aMissingS3LoraIsAnInputError() throws IOException {
        WorkerJob job = jobWithLoras(1);
        job.loras.get(1).s3.prefix = "loras/none.safetensors";
        JSON.writeValue(dir.resolve("job.json").toFile(), job);

        assertThat(new WorkerCli(new RandomWalkRenderer(1), env).execute("run")).isEqualTo(ExitCode.INVALID_INPUT.code);
        assertThat(progress().message).isEqualTo("LoRA s3://videos/loras/none.safetensors does not exist");
    }
}
