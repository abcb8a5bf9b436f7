package io.framepack.worker.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framepack.worker.tensor.Kernels;
import io.framepack.worker.vae.HunyuanVideoVae;
import io.framepack.worker.vae.SpatialTiling;
import io.framepack.worker.vae.VaeConfig;

import java.util.Locale;

/**
 * Speed and memory of the released HunyuanVideo VAE (random weights, its dtype on the device) on
 * the decode a section ends with: {@code frames} latents of {@code latent} to pixels, whole frames or
 * in the official low-VRAM spatial tiles. Run as {@code framepack-worker bench vae}. Each run's GPU
 * figure is the device memory in use after it (PyTorch keeps what it reserved at the peak).
 */
public final class VaeBench {
    private VaeBench() {
    }

    public static void run(boolean gpu, LatentSize latent, int frames, boolean tiled, int runs) {
        Device device = gpu ? Device.gpu() : Device.cpu();
        VaeConfig config = VaeConfig.fromJson(new ObjectMapper().createObjectNode());
        try (Kernels kernels = Kernels.load(); NDManager manager = NDManager.newBaseManager(device);
             HunyuanVideoVae vae = HunyuanVideoVae.withRandomWeights(config, HunyuanVideoVae.dtypeFor(device), kernels,
                     manager, false)) {
            vae.useSpatialTiling(tiled ? SpatialTiling.OFFICIAL : null);
            System.out.printf(Locale.ROOT, "VAE decode of %d latents %dx%d, %s on %s, %s%n", frames, latent.height(),
                    latent.width(), HunyuanVideoVae.dtypeFor(device), device,
                    tiled ? "spatial tiles " + SpatialTiling.OFFICIAL.tile() + " px every "
                            + SpatialTiling.OFFICIAL.stride() + " px" : "whole frames");
            for (int run = 1; run <= runs; run++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray latents = scope.randomNormal(new Shape(1, config.latentChannels(), frames, latent.height(),
                            latent.width()));
                    long start = System.nanoTime();
                    NDArray pixels = vae.decode(latents);
                    pixels.get(0, 0, 0, 0, 0).getFloat(); // waits for the device
                    double seconds = (System.nanoTime() - start) / 1e9;
                    System.out.printf(Locale.ROOT, "run %d: %.2f s -> %s%s%n", run, seconds, pixels.getShape(),
                            gpu ? String.format(Locale.ROOT, "; %.2f GiB in use on the device",
                                    CudaUtils.getGpuMemory(device).getUsed() / (double) (1L << 30)) : "");
                }
            }
        }
    }
}
