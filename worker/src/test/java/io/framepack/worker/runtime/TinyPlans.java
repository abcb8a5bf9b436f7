package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;

import java.nio.file.Path;

/** Plans of test renders of the demo image on the CPU, named {@code test/<name>/1}, checkpointed after every section. */
final class TinyPlans {
    private TinyPlans() {
    }

    static RenderPlan of(String name, RenderSettings settings, Path models, Long gpuMemoryBytes) {
        return of(name, settings, new RenderPlan.Inputs("a cat walks", "", DemoModel.image()), models, gpuMemoryBytes);
    }

    static RenderPlan of(String name, RenderSettings settings, RenderPlan.Inputs inputs, Path models, Long gpuMemoryBytes) {
        return of(name, settings, inputs, new RenderPlan.Resources(models, "cpu", gpuMemoryBytes));
    }

    static RenderPlan of(String name, RenderSettings settings, RenderPlan.Inputs inputs, RenderPlan.Resources resources) {
        return new RenderPlan(new RenderPlan.Identity("test/" + name + "/1", "spec", "model"), inputs, settings,
                new RenderPlan.Outputs(name, 1), resources);
    }
}
