package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;

import java.nio.file.Path;

/** Plans of test renders of the demo image on the CPU, named {@code test/<name>/1}, checkpointed after every section. */
final class TinyPlans {
    private TinyPlans() {
    }

    static RenderPlan of(String name, RenderSettings settings, Path models, Long gpuMemoryBytes) {
        return new RenderPlan(new RenderPlan.Identity("test/" + name + "/1", "spec", "model"),
                new RenderPlan.Inputs("a cat walks", "", DemoModel.image()), settings,
                new RenderPlan.Outputs(name, 1), new RenderPlan.Resources(models, "cpu", gpuMemoryBytes));
    }
}
