package io.framepack.worker.runtime;

import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.worker.prompt.TimedPrompt;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** Plans of test renders of the demo image on the CPU, named {@code test/<name>/1}, checkpointed after every section. */
final class TinyPlans {
    private TinyPlans() {
    }

    static RenderPlan of(String name, RenderSettings settings, Path models, Long gpuMemoryBytes) {
        return of(name, settings, new RenderPlan.Inputs("a cat walks", "", DemoModel.image()), models, gpuMemoryBytes);
    }

    /** The demo image as start and a colour gradient of {@code width × height} as end image, at {@code strength}. */
    static RenderPlan.Inputs withEndImage(int width, int height, double strength) {
        return new RenderPlan.Inputs(List.of(TimedPrompt.whole("a cat walks")), 0, "",
                DemoModel.image(), gradientPng(width, height), strength);
    }

    /** A PNG whose red rises to the right and green downwards (not the demo image's content). */
    static byte[] gradientPng(int width, int height) {
        BufferedImage picture = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                picture.setRGB(x, y, (255 * x / width) << 16 | (255 * y / height) << 8 | 96);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(picture, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    static RenderPlan of(String name, RenderSettings settings, RenderPlan.Inputs inputs, Path models, Long gpuMemoryBytes) {
        return of(name, settings, inputs, new RenderPlan.Resources(models, "cpu", gpuMemoryBytes));
    }

    static RenderPlan of(String name, RenderSettings settings, RenderPlan.Inputs inputs, RenderPlan.Resources resources) {
        return new RenderPlan(new RenderPlan.Identity("test/" + name + "/1", "spec", "model"), inputs, settings,
                new RenderPlan.Outputs(name, 1), resources);
    }
}
