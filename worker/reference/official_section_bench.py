"""Times one section of the official FramePack code on this GPU, as its demo runs it, with random
weights in the released architecture: the reference that `framepack-worker bench transformer`
is compared with (same shapes: 640x640 is latent 80x80; window 9; 25 UniPC steps; CFG 1).

    python official_section_bench.py FRAMEPACK_DIR DIFFUSERS_SRC [--budget GIB] [--preserve GIB] [--teacache]

FRAMEPACK_DIR holds lllyasviel/FramePack's `diffusers_helper`, DIFFUSERS_SRC diffusers v0.33.1's
`src` (the official pin); neither is part of this project. Without --budget the transformer is
resident (the demo's high-VRAM mode). With --budget the GPU is first filled so that only that many
GiB stay free, and the demo's low-VRAM path runs: DynamicSwap on every module, then as many modules
moved to the GPU as leave --preserve GiB free (the demo's slider, default 6).
"""
import argparse
import sys
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("framepack")
    parser.add_argument("diffusers")
    parser.add_argument("--budget", type=float)
    parser.add_argument("--preserve", type=float, default=6.0)
    parser.add_argument("--teacache", action="store_true")
    parser.add_argument("--latent", default="80x80")
    parser.add_argument("--window", type=int, default=9)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--text-tokens", type=int, default=24)
    parser.add_argument("--sections", type=int, default=2, help="the first warms up")
    args = parser.parse_args()
    sys.path[:0] = [args.framepack, args.diffusers]
    from diffusers_helper.models.hunyuan_video_packed import HunyuanVideoTransformer3DModelPacked
    from diffusers_helper.pipelines.k_diffusion_hunyuan import sample_hunyuan
    from diffusers_helper import memory

    gpu = torch.device("cuda")
    torch.manual_seed(0)
    with torch.device("meta"):
        transformer = HunyuanVideoTransformer3DModelPacked(has_image_proj=True, image_proj_dim=1152,
                                                           has_clean_x_embedder=True)
    # Random weights are drawn on the GPU (minutes on the CPU for 13 B values), then moved where the demo keeps them.
    transformer = transformer.to_empty(device=gpu).to(torch.bfloat16)
    with torch.no_grad():
        for p in transformer.parameters():
            p.normal_(0, 0.02)
    transformer.eval().requires_grad_(False)
    transformer.high_quality_fp32_output_for_inference = True
    filler = None
    if args.budget is not None:
        transformer.to("cpu")
        torch.cuda.empty_cache()
        free, _ = torch.cuda.mem_get_info()
        filler = torch.empty(int(free - args.budget * 2**30), dtype=torch.uint8, device=gpu)
        memory.DynamicSwapInstaller.install_model(transformer, device=gpu)
        memory.move_model_to_device_with_memory_preservation(transformer, target_device=gpu,
                                                             preserved_memory_gb=args.preserve)
    transformer.initialize_teacache(enable_teacache=args.teacache, num_steps=args.steps)

    h, w = (int(v) for v in args.latent.split("x"))
    g = torch.Generator("cpu").manual_seed(1)
    llama = torch.randn(1, 512, 4096, generator=g).to(gpu, torch.bfloat16)
    mask = torch.zeros(1, 512, dtype=torch.bool, device=gpu)
    mask[:, :args.text_tokens] = True
    pooler = torch.randn(1, 768, generator=g).to(gpu, torch.bfloat16)
    siglip = torch.randn(1, 729, 1152, generator=g).to(gpu, torch.bfloat16)
    history = torch.randn(1, 16, 19, h, w, generator=g).to(gpu, torch.float32)
    start = torch.randn(1, 16, 1, h, w, generator=g).to(gpu, torch.float32)
    indices = torch.arange(0, 1 + args.window + 1 + 2 + 16).unsqueeze(0)
    pre, latent_indices, post, idx2x, idx4x = indices.split([1, args.window, 1, 2, 16], dim=1)
    post_latent, latents2x, latents4x = history.split([1, 2, 16], dim=2)

    times = []
    torch.cuda.reset_peak_memory_stats()
    for _ in range(args.sections):
        torch.cuda.synchronize()
        began = time.perf_counter()
        sample_hunyuan(transformer=transformer, sampler="unipc", width=w * 8, height=h * 8,
                       frames=args.window * 4 - 3, real_guidance_scale=1.0, distilled_guidance_scale=10.0,
                       guidance_rescale=0.0, num_inference_steps=args.steps,
                       generator=torch.Generator("cpu").manual_seed(31337),
                       prompt_embeds=llama, prompt_embeds_mask=mask, prompt_poolers=pooler,
                       negative_prompt_embeds=torch.zeros_like(llama), negative_prompt_embeds_mask=mask,
                       negative_prompt_poolers=torch.zeros_like(pooler), device=gpu, dtype=torch.bfloat16,
                       image_embeddings=siglip, latent_indices=latent_indices,
                       clean_latents=torch.cat([start, post_latent], dim=2),
                       clean_latent_indices=torch.cat([pre, post], dim=1),
                       clean_latents_2x=latents2x, clean_latent_2x_indices=idx2x,
                       clean_latents_4x=latents4x, clean_latent_4x_indices=idx4x)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - began)
    free, total = torch.cuda.mem_get_info()
    filled = filler.numel() if filler is not None else 0
    mode = "resident" if args.budget is None else f"low-VRAM, budget {args.budget} GiB, preserve {args.preserve} GiB"
    print(f"official section ({mode}{', teacache' if args.teacache else ''}): "
          + ", ".join(f"{t:.2f} s" for t in times)
          + f"; max allocated {(torch.cuda.max_memory_allocated() - filled) / 2**30:.2f} GiB beyond the filler; "
          + f"device in use {(total - free - filled) / 2**30:.2f} GiB beyond the filler", flush=True)


if __name__ == "__main__":
    main()
