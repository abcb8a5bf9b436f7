"""Writes vae_tiling_case.safetensors: the HunyuanVideo VAE's spatially tiled decode and encode as
diffusers (v0.33.1, the official FramePack pin) computes them after `vae.enable_tiling()`.

Runs the tiny golden VAE (goldens/framepack-tiny/vae.safetensors) on the CPU in float32, with tiles
shrunk so that a small input spans several of them in both directions, remainders included:
pixel tiles of 48 px every 32 px (latent tiles of 6 every 4; blends over 16 px / 2 latents).
The production tiles (256 px every 192 px) run the same code with other numbers.

    python make_vae_tiling_case.py GOLDEN_DIR OUT.safetensors
"""
import json
import sys

import torch
from diffusers import AutoencoderKLHunyuanVideo
from safetensors.torch import load_file, save_file

TILE, STRIDE = 48, 32


def main(golden_dir, out):
    config = json.load(open(f"{golden_dir}/vae_config.json"))
    config = {k: v for k, v in config.items() if not k.startswith("_")}
    vae = AutoencoderKLHunyuanVideo(**config).eval()
    vae.load_state_dict(load_file(f"{golden_dir}/vae.safetensors"))
    vae.enable_tiling(tile_sample_min_height=TILE, tile_sample_min_width=TILE,
                      tile_sample_stride_height=STRIDE, tile_sample_stride_width=STRIDE)
    g = torch.Generator().manual_seed(7)
    # 10 latent frames: the frame-wise temporal tiling runs too, each temporal tile tiled in space.
    # 10 x 11 latents: rows at 0, 4, 8 and columns at 0, 4, 8, the last ones partial.
    latents = torch.randn(1, 16, 10, 10, 11, generator=g)
    # Unlike latents, a picture: a smooth gradient plus noise, 1 frame of 88 x 80 px.
    ys = torch.linspace(-1, 1, 88).view(1, 1, 1, 88, 1)
    xs = torch.linspace(-1, 1, 80).view(1, 1, 1, 1, 80)
    image = (0.6 * ys * xs.expand(1, 3, 1, 88, 80) + 0.3 * torch.randn(1, 3, 1, 88, 80, generator=g)).clamp(-1, 1)
    with torch.no_grad():
        pixels = vae.decode(latents).sample
        moments = vae._encode(image)
        untiled_moments = (vae.disable_tiling(), vae._encode(image))[1]
    mean, logvar = moments.chunk(2, dim=1)
    save_file({
        "latents": latents.contiguous(),
        "pixels": pixels.contiguous(),
        "image": image.contiguous(),
        "posterior_mean": mean.contiguous(),
        "posterior_logvar": logvar.contiguous(),
        "untiled_posterior_mean": untiled_moments.chunk(2, dim=1)[0].contiguous(),
    }, out, metadata={"tile_sample_min": str(TILE), "tile_sample_stride": str(STRIDE)})
    print({k: tuple(v.shape) for k, v in load_file(out).items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
