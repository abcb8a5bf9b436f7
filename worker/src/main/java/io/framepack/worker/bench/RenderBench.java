package io.framepack.worker.bench;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.worker.ExitCode;
import io.framepack.worker.model.ModelDirectory;
import io.framepack.worker.pipeline.SectionSchedule;
import io.framepack.worker.runtime.FramePackRenderer;
import io.framepack.worker.runtime.JobRunner;
import io.framepack.worker.runtime.RenderPlan;
import io.framepack.worker.runtime.Termination;
import io.framepack.worker.runtime.checkpoint.CheckpointStore;
import io.framepack.worker.runtime.output.VideoPublisher;
import io.framepack.worker.runtime.progress.ProgressEvent;
import io.framepack.worker.runtime.storage.DirectoryStore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A whole job timed phase by phase: the same {@link JobRunner} over {@link FramePackRenderer} that
 * {@code generate} runs (prompt through LLaMA and CLIP, start image through SigLIP and the VAE
 * encoder, every section's sampling, VAE decode and soft append, the MP4), with checkpoints and the
 * video in a scratch directory deleted afterwards. Phases are read off the runner's progress
 * events, so nothing in the render is changed for the measurement. Run as
 * {@code framepack-worker bench render}.
 */
public final class RenderBench {
    private static final long GIB = 1L << 30;

    private final PrintStream out;
    private final long started = System.nanoTime();
    private final Device gpu;
    /** Largest device memory in use seen at any event; -1 once it proved unreadable. */
    private long peakGpuBytes;
    private long phaseStart = started;
    private long sectionStart;
    private long lastStep;
    private double firstSectionDone = Double.NaN;
    private final List<String> phases = new ArrayList<>();
    private final List<double[]> sections = new ArrayList<>();
    private int frames;
    private String failure;

    private RenderBench(PrintStream out, boolean gpu) {
        this.out = out;
        this.gpu = gpu ? Device.gpu() : null;
    }

    /**
     * Renders {@code settings} with the model in {@code modelDir} and prints the report.
     *
     * @param device         "cpu" or "gpu"
     * @param gpuMemoryBytes the render's GPU budget (its memory tier), or null for what the device has free
     * @return whether the job succeeded
     */
    public static boolean run(Path modelDir, byte[] image, RenderSettings settings, String device, Long gpuMemoryBytes,
                              PrintStream out) throws IOException {
        Path scratch = Files.createTempDirectory("framepack-bench-render-");
        try {
            // Only the final checkpoint is saved: what saves between sections cost is bench checkpoints' figure.
            RenderPlan plan = new RenderPlan(new RenderPlan.Identity("bench/render", "bench",
                    ModelDirectory.at(modelDir).identity()), new RenderPlan.Inputs("a bench render", "", image), settings,
                    new RenderPlan.Outputs("bench", Integer.MAX_VALUE), new RenderPlan.Resources(modelDir, device, gpuMemoryBytes));
            RenderBench bench = new RenderBench(out, "gpu".equals(device));
            out.printf(Locale.ROOT, "render of %.1f s at %d px, window %d, %d steps, on %s, model %s%n", settings.seconds,
                    settings.resolution, settings.latentWindowSize, settings.steps, device, modelDir);
            ExitCode code = new JobRunner(plan, new FramePackRenderer(),
                    new CheckpointStore(new DirectoryStore(scratch.resolve("checkpoints")), 1),
                    new VideoPublisher(new DirectoryStore(scratch.resolve("output")), plan.identity().jobId()),
                    bench::on, Termination.manual(), scratch.resolve("tmp")).run();
            bench.report(settings);
            return code == ExitCode.SUCCESS;
        } finally {
            ScratchFiles.deleteTree(scratch);
        }
    }

    private void on(ProgressEvent event) {
        notePeakGpuMemory();
        long now = System.nanoTime();
        if (event instanceof ProgressEvent.Phase phase) {
            switch (phase.state()) {
                case Encoding -> endPhase("model check and memory plan", now);
                case Loading -> endPhase("text encoders (LLaMA, CLIP) and SigLIP", now);
                case Writing -> endPhase("final checkpoint", now);
                default -> { }
            }
        } else if (event instanceof ProgressEvent.MemoryPlanned plan) {
            endPhase("VAE and transformer load, start-image VAE encode", now);
            out.println("memory plan: " + plan.tier() + ": " + plan.message());
        } else if (event instanceof ProgressEvent.JobStarted) {
            sectionStart = now;
            phaseStart = now;
        } else if (event instanceof ProgressEvent.Step) {
            lastStep = now;
        } else if (event instanceof ProgressEvent.SectionDone done) {
            sectionDone(done, now);
        } else if (event instanceof ProgressEvent.OutputWritten) {
            endPhase("MP4 encode and publish", now);
        } else if (event instanceof ProgressEvent.Failed failed) {
            failure = failed.reason() + ": " + failed.message();
        } else if (event instanceof ProgressEvent.Warning warning) {
            out.println("warning: " + warning.message());
        }
    }

    /** The section's sampling ends with its last step; its VAE decode and soft append follow. */
    private void sectionDone(ProgressEvent.SectionDone done, long now) {
        double sampling = (lastStep - sectionStart) / 1e9;
        double decode = (now - lastStep) / 1e9;
        sections.add(new double[] {sampling, decode});
        frames = done.frames();
        // The RSS after each section shows what grows with the video (its pixel history), beside the peak.
        out.printf(Locale.ROOT, "section %d: sampling %.2f s, decode and append %.2f s, %d frames so far, host %s GiB RSS%n",
                done.section() + 1, sampling, decode, done.frames(), HostMemory.rssGib());
        if (Double.isNaN(firstSectionDone)) {
            firstSectionDone = (now - started) / 1e9;
        }
        sectionStart = now;
        phaseStart = now;
    }

    private void endPhase(String name, long now) {
        phases.add(String.format(Locale.ROOT, "%s %.2f s", name, (now - phaseStart) / 1e9));
        phaseStart = now;
    }

    private void report(RenderSettings settings) {
        if (failure != null) {
            out.println("render failed: " + failure);
            return;
        }
        double total = (System.nanoTime() - started) / 1e9;
        double videoSeconds = frames / (double) SectionSchedule.FRAMES_PER_SECOND;
        double sampling = sections.stream().mapToDouble(s -> s[0]).sum();
        double decode = sections.stream().mapToDouble(s -> s[1]).sum();
        out.println("phases: " + String.join(", ", phases));
        out.printf(Locale.ROOT, "sections: %d, sampling %.2f s, decode and append %.2f s%n", sections.size(), sampling,
                decode);
        out.printf(Locale.ROOT, "video: %d frames = %.2f s; whole job %.2f s = %.2f s per second of video;"
                + " first section finished after %.2f s%n", frames, videoSeconds, total, total / videoSeconds,
                firstSectionDone);
        out.printf(Locale.ROOT, "peak memory: GPU %s; host %s%n", peakGpuMemory(), HostMemory.peakRss());
        out.printf(Locale.ROOT, "summary: seconds=%.1f resolution=%d steps=%d frames=%d total_s=%.3f s_per_video_s=%.3f"
                        + " first_section_s=%.3f sampling_s=%.3f decode_s=%.3f peak_gpu_gib=%s peak_rss_gib=%s%n",
                settings.seconds, settings.resolution, settings.steps, frames, total, total / videoSeconds,
                firstSectionDone, sampling, decode, gpu == null || peakGpuBytes < 0 ? "-"
                        : String.format(Locale.ROOT, "%.3f", peakGpuBytes / (double) GIB), HostMemory.peakRssGib());
    }

    private void notePeakGpuMemory() {
        if (gpu != null && peakGpuBytes >= 0) {
            try {
                peakGpuBytes = Math.max(peakGpuBytes, CudaUtils.getGpuMemory(gpu).getUsed());
            } catch (IllegalStateException e) {
                out.println("GPU memory cannot be read (is libcudart on jna.library.path?): " + e);
                peakGpuBytes = -1;
            }
        }
    }

    private String peakGpuMemory() {
        if (gpu == null) {
            return "none (CPU render)";
        }
        return peakGpuBytes < 0 ? "unknown" : String.format(Locale.ROOT,
                "%.2f GiB held on the device (sampled at every step and phase)", peakGpuBytes / (double) GIB);
    }
}
