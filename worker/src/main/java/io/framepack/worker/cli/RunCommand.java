package io.framepack.worker.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.SpecHash;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerJob;
import io.framepack.worker.prompt.TimedPrompt;
import io.framepack.worker.runtime.InvalidInputException;
import io.framepack.worker.runtime.JobRunner;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Renderer;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.progress.ConfigMapProgress;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.progress.ProgressListener;
import io.framepack.worker.runtime.progress.TerminalProgress;
import io.framepack.worker.runtime.storage.ObjectStore;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;

/**
 * The in-cluster entry point. Configured only by what the operator renders into the pod: the job
 * file ({@link WorkerContract#JOB_FILE}), the environment ({@link WorkerContract}) and the
 * mounted volumes. Progress goes to the job's ConfigMap and, as log lines, to stdout.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Render the job the operator mounted into this pod (see WorkerContract).")
final class RunCommand implements Callable<Integer> {
    /** Kubernetes' default grace period. */
    private static final int DEFAULT_GRACE_SECONDS = 30;
    /** The operator mounts the job from a ConfigMap, which holds 1 MiB at most. */
    private static final long MAX_JOB_FILE_BYTES = 1 << 20;

    private final Renderer renderer;
    private final Map<String, String> env;

    RunCommand(Renderer renderer, Map<String, String> env) {
        this.renderer = renderer;
        this.env = env;
    }

    @Override
    public Integer call() {
        List<ProgressListener> listeners = new ArrayList<>();
        listeners.add(new TerminalProgress(System.out, false));
        ProgressListener log = ProgressListener.all(List.copyOf(listeners));
        KubernetesClient kubernetes = null;
        try {
            String configMap = env.get(WorkerContract.ENV_PROGRESS_CONFIGMAP);
            if (configMap != null && !configMap.isBlank()) {
                kubernetes = new KubernetesClientBuilder().withConfig(ConfigMapProgress.tuned(Config.autoConfigure(null))).build();
                String namespace = env.getOrDefault(WorkerContract.ENV_NAMESPACE, kubernetes.getNamespace());
                listeners.add(new ConfigMapProgress(kubernetes, namespace, configMap, env.get(WorkerContract.ENV_JOB_ID),
                        env.get(WorkerContract.ENV_POD_NAME), attempt(), Duration.ofSeconds(2), warning -> log.on(new ProgressEvent.Warning(warning))));
            }
            ProgressListener progress = ProgressListener.all(listeners);
            return run(progress).code;
        } finally {
            if (kubernetes != null) {
                kubernetes.close();
            }
        }
    }

    private ExitCode run(ProgressListener progress) {
        SettingsCheck environment = new SettingsCheck().device(WorkerContract.ENV_DEVICE, env.get(WorkerContract.ENV_DEVICE));
        int grace = environment.integer(WorkerContract.ENV_GRACE_SECONDS, env.get(WorkerContract.ENV_GRACE_SECONDS),
                DEFAULT_GRACE_SECONDS, WorkerContract.MIN_GRACE_SECONDS, WorkerContract.MAX_GRACE_SECONDS);
        try {
            environment.orThrow();
        } catch (InvalidInputException e) {
            return JobRunner.failed(progress, e);
        }
        return Launch.render(Duration.ofSeconds(grace), progress, renderer, () -> prepare(progress));
    }

    private Launch.Job prepare(ProgressListener progress) throws IOException {
        Path scratch = Path.of(System.getProperty("java.io.tmpdir"));
        WorkerJob job = readJob(Path.of(env.getOrDefault(WorkerContract.ENV_JOB_FILE, WorkerContract.JOB_FILE)));
        int checkpointEvery = job.checkpointEvery == null ? Integer.parseInt(WorkerJob.DEFAULT_CHECKPOINT_EVERY) : job.checkpointEvery;
        int keepCheckpoints = job.keepCheckpoints == null ? Integer.parseInt(WorkerJob.DEFAULT_KEEP_CHECKPOINTS) : job.keepCheckpoints;
        SettingsCheck check = new SettingsCheck().render(job.render, field -> "render." + field);
        if (job.prompts != null) {
            // A missing duration is reported by the render check; the starts are then checked against none.
            check.timedPrompts("prompts", job.prompts,
                    job.render.seconds == null ? Double.POSITIVE_INFINITY : job.render.seconds);
        } else {
            check.text("prompt", job.prompt, Formats.PROMPT_MAX);
        }
        int blendSections = job.promptBlendSections == null ? 0 : job.promptBlendSections;
        if (job.endImage != null) {
            check.endImage("endImage", "endImageStrength", job.endImageStrength, job.render.variant);
        }
        check.text("negativePrompt", job.negativePrompt, Formats.PROMPT_MAX)
                .range("promptBlendSections", blendSections, 0, Formats.PROMPT_BLEND_SECTIONS_MAX)
                .range("videoContextFrames", SpecHash.videoContextFrames(job.videoContextFrames),
                        Formats.VIDEO_CONTEXT_FRAMES_MIN, Formats.VIDEO_CONTEXT_FRAMES_MAX)
                .range("checkpointEvery", checkpointEvery, 1, Integer.MAX_VALUE)
                .range("keepCheckpoints", keepCheckpoints, 1, WorkerJob.MAX_KEEP_CHECKPOINTS)
                .orThrow();
        String specHash = SpecHash.of(job);
        if (job.specHash != null && !job.specHash.equals(specHash)) {
            progress.on(new ProgressEvent.Warning("the job file's specHash " + job.specHash
                    + " does not match its content; using the content's " + specHash));
        }
        ImageDownload download = new ImageDownload(UrlPolicy.allowing(env.get(WorkerContract.URL_ALLOWLIST_ENV)),
                ImageDownload.Limits.DEFAULT);
        RenderPlan.Video video = null;
        if (job.video != null) {
            byte[] mp4 = ImageSources.readVideo(job.video, scratch, new ImageDownload(
                    UrlPolicy.allowing(env.get(WorkerContract.URL_ALLOWLIST_ENV)), ImageDownload.Limits.DEFAULT, "video"));
            video = new RenderPlan.Video(mp4, SpecHash.videoContextFrames(job.videoContextFrames));
            // The checkpoints' identity holds the video's content: other bytes at the same source start over.
            specHash = SpecHash.withVideoContent(specHash, mp4);
        }
        String keyPath = Stores.keyPath(job.jobId);
        Path uploads = JobRunner.uploadStaging(scratch, job.jobId);
        ObjectStore checkpoints = Stores.open(job.checkpoints, "checkpoint", keyPath, uploads);
        ObjectStore output = Stores.open(job.output, "output", "", uploads);
        List<RenderPlan.Lora> loras = LoraSources.resolve(job.loras, scratch);
        RenderPlan plan = new RenderPlan(
                new RenderPlan.Identity(job.jobId, specHash, Launch.modelId(Path.of(job.modelDir), loras)),
                new RenderPlan.Inputs(prompts(job), blendSections, job.negativePrompt,
                        video != null ? null : ImageSources.read(job.image, scratch, download),
                        job.endImage == null ? null : ImageSources.readEndImage(job.endImage, scratch, download),
                        job.endImageStrength == null ? InputSpec.DEFAULT_END_IMAGE_STRENGTH : job.endImageStrength, video),
                job.render,
                new RenderPlan.Outputs(outputName(job.jobId), checkpointEvery),
                new RenderPlan.Resources(Path.of(job.modelDir), env.get(WorkerContract.ENV_DEVICE), job.gpuMemoryBytes,
                        loras));
        return new Launch.Job(plan, checkpoints, keepCheckpoints, output, scratch, reroll(job, uploads));
    }

    /** Where a re-roll starts ({@code from}): the source's checkpoints in this job's checkpoint storage. */
    private static CheckpointStore.Reroll reroll(WorkerJob job, Path uploads) {
        if (job.from == null) {
            return null;
        }
        if (job.from.jobId == null || job.from.jobId.isBlank() || job.from.jobId.equals(job.jobId)
                || job.from.section == null || job.from.section < 1) {
            throw new InvalidInputException(InvalidInputException.INPUT, "the job's from must name another render's jobId"
                    + " and a section of at least 1");
        }
        return new CheckpointStore.Reroll(Stores.open(job.checkpoints, "checkpoint", Stores.keyPath(job.from.jobId), uploads),
                job.from.section, Stores.sharedWithin(job.checkpoints, uploads));
    }

    /** The job's timed prompts (checked), or its one prompt for the whole video. */
    private static List<TimedPrompt> prompts(WorkerJob job) {
        if (job.prompts == null) {
            return List.of(TimedPrompt.whole(job.prompt));
        }
        return job.prompts.stream()
                .map(p -> new TimedPrompt(p.text, p.startSeconds(), OptionalDouble.empty()))
                .toList();
    }

    private Integer attempt() {
        String attempt = env.get(WorkerContract.ENV_ATTEMPT);
        try {
            return attempt == null ? null : Integer.valueOf(attempt);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static WorkerJob readJob(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        WorkerJob job;
        try {
            job = json.readValue(BoundedReads.file(file, "job file", MAX_JOB_FILE_BYTES), WorkerJob.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, "job file " + file + " is not a valid job: "
                    + e.getOriginalMessage());
        }
        if (job.jobId == null || job.jobId.isBlank() || job.render == null) {
            throw new InvalidInputException(InvalidInputException.INPUT, "job file " + file + " lacks jobId or render");
        }
        return job;
    }

    /** The resource's name ({@code namespace/name/uid} → name); collisions are settled by the output's claims. */
    static String outputName(String jobId) {
        String[] parts = jobId.split("/");
        String name = parts.length >= 2 ? parts[1] : parts[0];
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
