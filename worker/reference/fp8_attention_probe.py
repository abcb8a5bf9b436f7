"""Measures, on a CUDA GPU, the two levers of issue #11 beside the official FramePack transformer
(random weights, released architecture, 640x640 = latent 80x80, window 9, 24 text tokens):

1. attention backends (flash, cuDNN, memory-efficient SDPA) at the packed sequence of 19,153 tokens,
   24 heads x 128, in the NHD-transposed layout both implementations pass, and through explicit aten
   ops in TorchScript (how the kernel pack would select one);
2. FP8 (e4m3) linear layers: GEMM throughput per transformer shape, the cost of quantizing an
   activation (static scale vs. a per-call amax), then whole forwards and whole sections with the
   transformer blocks' linears swapped to torch._scaled_mm, against bf16 and a float32 forward.

    python fp8_attention_probe.py FRAMEPACK_DIR DIFFUSERS_SRC [--sections]

FRAMEPACK_DIR holds lllyasviel/FramePack's `diffusers_helper`, DIFFUSERS_SRC diffusers v0.33.1's
`src`; neither is part of this project.
"""
import argparse
import sys
import time
from typing import Tuple

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

GPU = torch.device("cuda")
E4M3 = torch.float8_e4m3fn
E4M3_MAX = 448.0


def timed(fn, warmup=2, runs=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - began)
    times.sort()
    return times[len(times) // 2]


class Fp8Kernels(torch.nn.Module):
    """The kernels an FP8 option would put into the kernel pack, scripted as the pack is."""

    @torch.jit.export
    def weight(self, w: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        scale = (w.abs().amax().float() / 448.0).clamp(min=1e-12)
        return (w.float() / scale).to(torch.float8_e4m3fn), scale

    @torch.jit.export
    def quantize_static(self, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        return (x / scale).clamp(-448.0, 448.0).to(torch.float8_e4m3fn)

    @torch.jit.export
    def quantize_dynamic(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        scale = (torch.linalg.vector_norm(x, float("inf")).float() / 448.0).clamp(min=1e-12)
        return (x / scale).to(torch.float8_e4m3fn), scale

    @torch.jit.export
    def linear(self, xq: torch.Tensor, x_scale: torch.Tensor, wq: torch.Tensor, w_scale: torch.Tensor,
               bias: torch.Tensor, fast_accum: bool) -> torch.Tensor:
        rows = xq.reshape(-1, xq.shape[-1]).contiguous()
        out = torch._scaled_mm(rows, wq.t(), scale_a=x_scale, scale_b=w_scale, bias=bias,
                               out_dtype=torch.bfloat16, use_fast_accum=fast_accum)
        return out.reshape(xq.shape[:-1] + [wq.shape[0]])

    @torch.jit.export
    def sdpa_cudnn(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return torch.ops.aten._scaled_dot_product_cudnn_attention(q, k, v, None, False, 0.0, False, False)[0]

    @torch.jit.export
    def sdpa_flash(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return torch.ops.aten._scaled_dot_product_flash_attention(q, k, v)[0]

    @torch.jit.export
    def sdpa_efficient(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return torch.ops.aten._scaled_dot_product_efficient_attention(q, k, v, None, False)[0]

    @torch.jit.export
    def sdpa(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v)


# TorchScript's NNC fuser cannot generate code that writes float8 (nvrtc: "float8_e4m3fn is undefined",
# torch 2.11), so the pack's fp8 kernels run unfused, as they would in the worker's libtorch.
torch._C._jit_set_texpr_fuser_enabled(False)
PACK = torch.jit.script(Fp8Kernels().eval())


def attention_backends():
    tokens, heads, dim = 19_153, 24, 128
    flop = 4 * tokens * tokens * dim * heads
    g = torch.Generator(device="cuda").manual_seed(0)
    # The official layout: [B, N, H, D] transposed to [B, H, N, D] (a strided view).
    q, k, v = (torch.randn(1, tokens, heads, dim, device=GPU, dtype=torch.bfloat16, generator=g).transpose(1, 2)
               for _ in range(3))
    reference = F.scaled_dot_product_attention(q.float(), k.float(), v.float())  # memory-efficient in fp32
    print(f"flash impls offered: {torch.nn.attention.list_flash_attention_impls()} "
          f"(FA3/FA4 need external packages, not installed)")
    for label, backend in (("default", None), ("flash", SDPBackend.FLASH_ATTENTION),
                           ("cudnn", SDPBackend.CUDNN_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION)):
        def run():
            if backend is None:
                return F.scaled_dot_product_attention(q, k, v)
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(q, k, v)
        try:
            t = timed(run, 2, 10)
            err = ((run().float() - reference).norm() / reference.norm()).item()
            print(f"attention {label:9s} NHD-transposed: {t * 1e3:7.2f} ms  {flop / t / 1e12:6.1f} TFLOP/s  "
                  f"rel err vs fp32 {err:.3e}", flush=True)
        except RuntimeError as e:
            print(f"attention {label}: unavailable ({str(e).splitlines()[0]})")
    qc, kc, vc = (x.contiguous() for x in (q, k, v))
    for label in ("sdpa", "sdpa_cudnn", "sdpa_flash", "sdpa_efficient"):
        method = getattr(PACK, label)
        for layout, args in (("NHD-transposed", (q, k, v)), ("contiguous", (qc, kc, vc))):
            try:
                t = timed(lambda: method(*args), 2, 10)
                print(f"scripted {label:15s} {layout:15s}: {t * 1e3:7.2f} ms  {flop / t / 1e12:6.1f} TFLOP/s", flush=True)
            except RuntimeError as e:
                print(f"scripted {label} {layout}: unavailable ({str(e).splitlines()[0]})")


def gemms():
    g = torch.Generator(device="cuda").manual_seed(0)
    # (rows, in, out): image stream of a dual block (18,400 tokens) and the single-stream sequence (19,153).
    shapes = [(18_400, 3072, 3072), (18_400, 3072, 9216), (18_400, 3072, 12288), (18_400, 12288, 3072),
              (19_153, 3072, 3072), (19_153, 3072, 12288), (19_153, 15360, 3072), (753, 3072, 3072)]
    for m, k, n in shapes:
        x = torch.randn(m, k, device=GPU, generator=g).to(torch.bfloat16)
        w = (torch.randn(n, k, device=GPU, generator=g) / k ** 0.5).to(torch.bfloat16)
        b = torch.randn(n, device=GPU, generator=g).to(torch.bfloat16) * 0.1
        flop = 2 * m * k * n
        t_bf16 = timed(lambda: F.linear(x, w, b), 3, 10)
        wq, ws = PACK.weight(w)
        xq, xs = PACK.quantize_dynamic(x)
        t_fp8 = timed(lambda: PACK.linear(xq, xs, wq, ws, b, False), 3, 10)
        t_fast = timed(lambda: PACK.linear(xq, xs, wq, ws, b, True), 3, 10)
        t_qs = timed(lambda: PACK.quantize_static(x, xs), 3, 10)
        t_qd = timed(lambda: PACK.quantize_dynamic(x), 3, 10)
        t_qe = timed(lambda: (x / xs).clamp(-E4M3_MAX, E4M3_MAX).to(E4M3), 3, 10)
        try:
            rs = (torch.linalg.vector_norm(x, float("inf"), dim=1, keepdim=True).float() / E4M3_MAX).clamp(min=1e-12)
            wr = (w.abs().amax(dim=1, keepdim=True).float() / E4M3_MAX).clamp(min=1e-12)
            xr, wrq = (x / rs).to(E4M3), (w.float() / wr).to(E4M3)
            t_row = timed(lambda: torch._scaled_mm(xr, wrq.t(), scale_a=rs, scale_b=wr.t().contiguous(), bias=b,
                                                   out_dtype=torch.bfloat16), 3, 10)
            row = f"rowwise {t_row * 1e3:6.3f} ms ({flop / t_row / 1e12:5.0f})"
        except RuntimeError as e:
            row = f"rowwise unavailable ({str(e).splitlines()[0][:60]})"
        exact = x.float() @ w.float().t() + b.float()
        err_bf16 = ((F.linear(x, w, b).float() - exact).norm() / exact.norm()).item()
        err_fp8 = ((PACK.linear(xq, xs, wq, ws, b, False).float() - exact).norm() / exact.norm()).item()
        print(f"gemm {m}x{k}->{n}: bf16 {t_bf16 * 1e3:6.3f} ms ({flop / t_bf16 / 1e12:5.0f} TFLOP/s), "
              f"fp8 {t_fp8 * 1e3:6.3f} ms ({flop / t_fp8 / 1e12:5.0f}), fast-accum {t_fast * 1e3:6.3f} ms "
              f"({flop / t_fast / 1e12:5.0f}), {row}; quantize static {t_qs * 1e3:.3f} ms (eager {t_qe * 1e3:.3f}), "
              f"dynamic {t_qd * 1e3:.3f} ms; rel err vs fp32: bf16 {err_bf16:.2e}, fp8 {err_fp8:.2e}", flush=True)
        del x, w, b, wq, xq, exact
    torch.cuda.empty_cache()


class SharedQuantization:
    """One quantized copy per input tensor: q, k and v read the same activation. Held (by identity)
    only until every member has read it, so a later tensor at the same address is never mistaken for it."""

    def __init__(self):
        self.members = 0
        self.x = None
        self.value = None
        self.reads = 0

    def get(self, x, make):
        if self.x is not x:
            self.x, self.value, self.reads = x, make(), 0
        value = self.value
        self.reads += 1
        if self.reads == self.members:
            self.x = self.value = None
        return value


class Fp8Linear(torch.nn.Module):
    def __init__(self, linear, shared, mode, fast_accum):
        super().__init__()
        self.wq, self.ws = PACK.weight(linear.weight.detach())
        self.bias = linear.bias
        self.shared = shared
        self.mode = mode  # "bf16" (the original), "calibrate" (bf16, records amax), "static", "dynamic"
        self.fast_accum = fast_accum
        self.linear = linear
        self.amax = torch.zeros((), device=GPU)

    def forward(self, x):
        if self.mode == "bf16":
            return self.linear(x)
        if self.mode == "calibrate":
            self.amax = torch.maximum(self.amax, torch.linalg.vector_norm(x, float("inf")).float())
            return self.linear(x)
        if self.mode == "static":
            xq, xs = self.shared.get(x, lambda: (PACK.quantize_static(x, self.scale), self.scale))
        else:
            xq, xs = self.shared.get(x, lambda: PACK.quantize_dynamic(x))
        return PACK.linear(xq, xs, self.wq, self.ws, self.bias, self.fast_accum)

    def freeze(self, headroom):
        self.scale = (self.amax * headroom / E4M3_MAX).clamp(min=1e-12)


def swap_linears(model, fast_accum):
    """Every linear of the transformer blocks except the modulation projections (one token each)."""
    swapped = []
    for blocks in (model.transformer_blocks, model.single_transformer_blocks):
        for block in blocks:
            shared = {}
            for name, m in list(block.named_modules()):
                if isinstance(m, torch.nn.Linear) and not name.startswith("norm"):
                    parent = block.get_submodule(name.rsplit(".", 1)[0]) if "." in name else block
                    leaf = name.rsplit(".", 1)[-1]
                    # Linears reading the same activation share its quantized copy.
                    group = {"to_q": "img", "to_k": "img", "to_v": "img",
                             "add_q_proj": "ctx", "add_k_proj": "ctx", "add_v_proj": "ctx"}.get(leaf, name)
                    quantization = shared.setdefault(group, SharedQuantization())
                    quantization.members += 1
                    new = Fp8Linear(m, quantization, "dynamic", fast_accum)
                    setattr(parent, leaf, new)
                    swapped.append((parent, leaf, m, new))
    return swapped


def set_mode(swapped, mode):
    for _, _, _, new in swapped:
        new.mode = mode


def static_scales(swapped, headroom):
    # Linears sharing an input share its scale: the largest of their calibrated maxima.
    for _, _, _, new in swapped:
        new.freeze(headroom)
    by_group = {}
    for _, _, _, new in swapped:
        by_group.setdefault(id(new.shared), []).append(new)
    for group in by_group.values():
        scale = torch.stack([n.scale for n in group]).amax()
        for n in group:
            n.scale = scale


def unswap(swapped):
    for parent, leaf, m, _ in swapped:
        setattr(parent, leaf, m)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("framepack")
    parser.add_argument("diffusers")
    parser.add_argument("--sections", action="store_true", help="also compare whole 25-step sections")
    parser.add_argument("--skip-micro", action="store_true")
    args = parser.parse_args()
    print(f"device {torch.cuda.get_device_name()}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}")
    if not args.skip_micro:
        attention_backends()
        gemms()

    sys.path[:0] = [args.framepack, args.diffusers]
    from diffusers_helper.models.hunyuan_video_packed import HunyuanVideoTransformer3DModelPacked
    from diffusers_helper.pipelines.k_diffusion_hunyuan import sample_hunyuan

    torch.manual_seed(0)
    with torch.device("meta"):
        model = HunyuanVideoTransformer3DModelPacked(has_image_proj=True, image_proj_dim=1152,
                                                     has_clean_x_embedder=True)
    model = model.to_empty(device=GPU).to(torch.bfloat16)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p.shape[1] if p.dim() == 2 else (p[0].numel() if p.dim() > 1 else 1)
            p.normal_(0, (1.0 / fan_in) ** 0.5 if p.dim() > 1 else 0.02)
    model.eval().requires_grad_(False)
    model.high_quality_fp32_output_for_inference = True
    model.initialize_teacache(enable_teacache=False)

    h = w = 80
    g = torch.Generator("cpu").manual_seed(1)

    def r(*s):
        return torch.randn(*s, generator=g)
    inputs = dict(hidden_states=r(1, 16, 9, h, w), timestep=torch.tensor([900.0]),
                  encoder_hidden_states=r(1, 512, 4096), encoder_attention_mask=torch.arange(512).unsqueeze(0) < 24,
                  pooled_projections=r(1, 768), guidance=torch.tensor([10000.0]),
                  latent_indices=torch.arange(1, 10).unsqueeze(0),
                  clean_latents=r(1, 16, 2, h, w), clean_latent_indices=torch.tensor([[0, 10]]),
                  clean_latents_2x=r(1, 16, 2, h, w), clean_latent_2x_indices=torch.tensor([[11, 12]]),
                  clean_latents_4x=r(1, 16, 16, h, w), clean_latent_4x_indices=torch.arange(13, 29).unsqueeze(0),
                  image_embeddings=r(1, 729, 1152), return_dict=False)

    def on(dtype):
        return {k: (v.to(GPU, dtype) if torch.is_tensor(v) and v.is_floating_point() else v.to(GPU)
                    if torch.is_tensor(v) else v) for k, v in inputs.items()}

    def forward(label, dtype=torch.bfloat16, runs=5, backend=None):
        x = on(dtype)

        def run():
            with torch.no_grad():
                if backend is None:
                    return model(**x)[0]
                with sdpa_kernel(backend):
                    return model(**x)[0]
        torch.cuda.reset_peak_memory_stats()
        last = {}

        def keep():
            last.clear()  # the previous output is freed before the next forward
            last["out"] = run()
        t = timed(keep, 2 if runs > 1 else 0, runs)
        out = last.pop("out").float()
        timings[label] = t
        print(f"forward {label}: {t:.3f} s (median of {runs}), max allocated "
              f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB", flush=True)
        return out

    llama = r(1, 512, 4096).to(GPU, torch.bfloat16)
    mask = torch.zeros(1, 512, dtype=torch.bool, device=GPU)
    mask[:, :24] = True
    pooler = r(1, 768).to(GPU, torch.bfloat16)
    siglip = r(1, 729, 1152).to(GPU, torch.bfloat16)
    history = r(1, 16, 19, h, w).to(GPU)
    start = r(1, 16, 1, h, w).to(GPU)
    indices = torch.arange(0, 1 + 9 + 1 + 2 + 16).unsqueeze(0)
    pre, latent_indices, post, idx2x, idx4x = indices.split([1, 9, 1, 2, 16], dim=1)
    post_latent, latents2x, latents4x = history.split([1, 2, 16], dim=2)

    def section(label, backend=None):
        def run():
            return sample_hunyuan(
                transformer=model, sampler="unipc", width=w * 8, height=h * 8, frames=9 * 4 - 3,
                real_guidance_scale=1.0, distilled_guidance_scale=10.0, guidance_rescale=0.0,
                num_inference_steps=25, generator=torch.Generator("cpu").manual_seed(31337),
                prompt_embeds=llama, prompt_embeds_mask=mask, prompt_poolers=pooler,
                negative_prompt_embeds=torch.zeros_like(llama), negative_prompt_embeds_mask=mask,
                negative_prompt_poolers=torch.zeros_like(pooler), device=GPU, dtype=torch.bfloat16,
                image_embeddings=siglip, latent_indices=latent_indices,
                clean_latents=torch.cat([start, post_latent], dim=2), clean_latent_indices=torch.cat([pre, post], dim=1),
                clean_latents_2x=latents2x, clean_latent_2x_indices=idx2x,
                clean_latents_4x=latents4x, clean_latent_4x_indices=idx4x)
        torch.cuda.synchronize()
        began = time.perf_counter()
        with torch.no_grad():
            if backend is None:
                out = run()
            else:
                with sdpa_kernel(backend):
                    out = run()
        torch.cuda.synchronize()
        print(f"section {label}: {time.perf_counter() - began:.2f} s", flush=True)
        return out.float()

    def rel(a, b):
        return ((a - b).norm() / b.norm()).item()

    outs, sections, timings = {}, {}, {}
    outs["bf16"] = forward("bf16 official (default SDPA)")
    outs["bf16 cudnn"] = forward("bf16 official, cuDNN SDPA forced", backend=SDPBackend.CUDNN_ATTENTION)
    # Flash takes no mask: the token refiner's masked attention falls back to the math kernel.
    outs["bf16 flash"] = forward("bf16 official, flash SDPA forced", backend=[SDPBackend.FLASH_ATTENTION,
                                                                               SDPBackend.MATH])
    swapped = swap_linears(model, fast_accum=False)
    set_mode(swapped, "calibrate")
    with torch.no_grad():
        model(**on(torch.bfloat16))
    static_scales(swapped, headroom=1.0)
    set_mode(swapped, "dynamic")
    outs["fp8 dynamic"] = forward("fp8 dynamic per-tensor amax")
    set_mode(swapped, "static")
    outs["fp8 static"] = forward("fp8 static scales (calibrated on this input)")
    for _, _, _, new in swapped:
        new.fast_accum = True
    outs["fp8 static fast"] = forward("fp8 static scales, fast accumulation")
    for _, _, _, new in swapped:
        new.fast_accum = False
    # Whole sections only where FP8 pays: their latents say what it costs in quality.
    fp8_time, bf16_time = timings["fp8 dynamic per-tensor amax"], timings["bf16 official (default SDPA)"]
    if args.sections and fp8_time < 0.95 * bf16_time:
        set_mode(swapped, "bf16")
        sections["bf16"] = section("bf16 official (default SDPA)")
        sections["bf16 cudnn"] = section("bf16 official, cuDNN SDPA", SDPBackend.CUDNN_ATTENTION)
        set_mode(swapped, "dynamic")
        sections["fp8 dynamic"] = section("fp8 dynamic per-tensor amax")
        for ref in ("bf16 cudnn", "fp8 dynamic"):
            print(f"section latents rel L2 vs bf16 official: {ref} {rel(sections[ref], sections['bf16']):.4e}")
    else:
        print(f"sections skipped: fp8 forward {fp8_time:.3f} s vs bf16 {bf16_time:.3f} s")
    unswap(swapped)
    del swapped
    torch.cuda.empty_cache()
    model.float()
    torch.cuda.empty_cache()
    fp32 = forward("float32 reference", torch.float32, runs=1)
    for label, out in outs.items():
        print(f"forward rel L2 vs float32: {label} {rel(out, fp32):.4e}; vs bf16 official {rel(out, outs['bf16']):.4e}")


if __name__ == "__main__":
    main()
