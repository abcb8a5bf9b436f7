package io.framepack.operator;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.RerollSource;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.worker.WorkerJob;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where a re-roll ({@code spec.from}) starts, decided from the earlier render as the operator's
 * cache shows it: its checkpoint after {@code section} sections ({@code from}, for the job file),
 * or why the re-roll waits for it (it has not saved that checkpoint yet, but may), or why it
 * never can: no such render, a render of another model, resolution, latent window, variant,
 * length, start image or checkpoint storage (the worker shares the source's stored blocks, so
 * both must use the same storage), or one that ended before the section.
 *
 * @param from     the job file's {@code from}, null unless the source has saved that checkpoint
 * @param waiting  why the re-roll waits, null when it does not
 * @param problems what makes the re-roll impossible, for the spec's problems
 */
record RerollStart(WorkerJob.RerollFrom from, String waiting, List<String> problems) {
    static final RerollStart NONE = new RerollStart(null, null, List.of());
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /**
     * @param sources the VideoGenerations of the re-roll's namespace, by name (null when there is none)
     */
    static RerollStart resolve(VideoGeneration vg, Function<String, VideoGeneration> sources, OperatorConfig.Defaults defaults) {
        RerollSource wanted = vg.getSpec().from;
        if (wanted == null) {
            return NONE;
        }
        String name = "spec.from: VideoGeneration " + wanted.name;
        if (wanted.name.equals(vg.getMetadata().getName())) {
            return refused("spec.from names this VideoGeneration itself");
        }
        VideoGeneration source = sources.apply(wanted.name);
        if (source == null) {
            return refused(name + " does not exist in namespace " + vg.getMetadata().getNamespace());
        }
        if (source.getSpec() == null || source.getSpec().unreadable != null || source.getSpec().input == null) {
            return refused(name + " has a spec that cannot be read");
        }
        List<String> problems = differences(source.getSpec(), vg.getSpec(), defaults);
        VideoGenerationStatus status = source.getStatus();
        int saved = status == null || status.lastCheckpoint == null ? 0 : status.lastCheckpoint.section;
        if (status != null && status.sectionsTotal != null && wanted.section >= status.sectionsTotal) {
            problems.add("spec.from.section " + wanted.section + ": " + wanted.name + " has " + status.sectionsTotal
                    + " sections, a re-roll must keep fewer");
        }
        boolean ended = status != null && (status.phase == Phase.Succeeded || status.phase == Phase.Failed);
        if (problems.isEmpty() && saved < wanted.section && ended) {
            problems.add(name + " ended (" + status.phase + ") with its last checkpoint after section " + saved
                    + ", before section " + wanted.section);
        }
        if (!problems.isEmpty()) {
            return new RerollStart(null, null, problems.stream().map(p -> Bounded.text(p, Bounded.MESSAGE)).toList());
        }
        if (saved < wanted.section) {
            return new RerollStart(null, "Waiting for " + wanted.name + " to checkpoint section " + wanted.section
                    + " (its last checkpoint: " + (saved == 0 ? "none" : "after section " + saved) + ")", List.of());
        }
        WorkerJob.RerollFrom from = new WorkerJob.RerollFrom();
        from.jobId = Names.jobId(source);
        from.section = wanted.section;
        return new RerollStart(from, null, List.of());
    }

    private static RerollStart refused(String problem) {
        return new RerollStart(null, null, List.of(problem));
    }

    /** What the re-roll must share with its source and does not. */
    private static List<String> differences(VideoGenerationSpec source, VideoGenerationSpec reroll,
                                            OperatorConfig.Defaults defaults) {
        List<String> problems = new ArrayList<>();
        RenderSettings a = source.render == null ? new RenderSettings() : source.render;
        RenderSettings b = reroll.render == null ? new RenderSettings() : reroll.render;
        ResolvedStorage storageA = ResolvedStorage.resolve(source, defaults);
        ResolvedStorage storageB = ResolvedStorage.resolve(reroll, defaults);
        same(problems, "spec.model", json(source.model) + json(storageA.model()), json(reroll.model) + json(storageB.model()));
        same(problems, "spec.render.resolution", a.resolution, b.resolution);
        same(problems, "spec.render.latentWindowSize", a.latentWindowSize, b.latentWindowSize);
        same(problems, "spec.render.variant", a.variant, b.variant);
        same(problems, "spec.render.seconds", a.seconds, b.seconds);
        same(problems, "spec.input.image", json(source.input.image), json(reroll.input.image));
        same(problems, "spec.checkpoints", json(storageA.checkpoints()), json(storageB.checkpoints()));
        return problems;
    }

    private static void same(List<String> problems, String field, Object source, Object reroll) {
        if (!Objects.equals(source, reroll)) {
            problems.add(field + " differs from spec.from's render: a re-roll keeps the model, resolution, latent window,"
                    + " variant, length, start image and checkpoint storage of the render it starts from");
        }
    }

    private static String json(Object value) {
        return value == null ? "null" : SERIALIZATION.asJson(value);
    }
}
