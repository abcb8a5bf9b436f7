"""Times a whole render of the official FramePack code on this GPU, stage by stage as its demo's
worker loop runs them, with the weights of a model directory in the official layout (e.g. the random
ones of random_full_model.py): the reference that `framepack-worker bench render` is compared with.

    python official_render_bench.py FRAMEPACK_DIR DIFFUSERS_SRC MODEL_DIR --image PNG
        [--seconds 3] [--steps 25] [--window 9] [--teacache] [--prompt TEXT] [--text-tokens N]

FRAMEPACK_DIR holds lllyasviel/FramePack's `diffusers_helper`, DIFFUSERS_SRC diffusers v0.33.1's
`src` (the official pin); neither is part of this project. Stages, as demo_gradio.py's worker runs
them with its defaults (CFG 1, distilled guidance 10, UniPC): load every model (the demo does this at
start-up), prompt encode (LLaMA, CLIP-L), the start image's bucket and VAE encode, SigLIP, then per
section the transformer's sampling, the VAE decode and soft append, and the MP4 of the video so far
(the demo writes one after every section). The demo's rule picks its mode: more than 60 GB free is
high-VRAM (everything resident, untiled decode), otherwise low-VRAM (DynamicSwap, tiled VAE).

The tokenizers of a random model are small vocabularies (random_full_model.py): --text-tokens makes
the prompt (padding words before it) leave that many valid LLaMA tokens after the official template
is cropped, so the transformer sees the same context length as the worker's render.
"""
import argparse
import ast
import os
import resource
import sys
import time
import types

import numpy as np
import torch

GIB = 2 ** 30


class Meter:
    """Wall time per stage (the GPU waited for) and the peaks of live tensors and device memory."""

    def __init__(self):
        self.began = time.perf_counter()
        self.device_peak = 0
        self.stages = []

    def sample(self):
        free, total = torch.cuda.mem_get_info()
        self.device_peak = max(self.device_peak, total - free)

    def time(self, name, run):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        result = run()
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        self.sample()
        self.stages.append((name, seconds))
        print(f"{name}: {seconds:.2f} s", flush=True)
        return result, seconds


def load_models(model_dir, gpu, high_vram):
    from diffusers import AutoencoderKLHunyuanVideo
    from transformers import CLIPTextModel, CLIPTokenizer, LlamaModel, SiglipImageProcessor, SiglipVisionModel
    from diffusers_helper.memory import DynamicSwapInstaller
    from diffusers_helper.models.hunyuan_video_packed import HunyuanVideoTransformer3DModelPacked
    import transformers

    # transformers 5 renamed from_pretrained's torch_dtype to dtype.
    dtype_arg = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    hv = os.path.join(model_dir, "hunyuanvideo")
    m = {
        "text_encoder": LlamaModel.from_pretrained(os.path.join(hv, "text_encoder"), **{dtype_arg: torch.float16}),
        "text_encoder_2": CLIPTextModel.from_pretrained(os.path.join(hv, "text_encoder_2"),
                                                        **{dtype_arg: torch.float16}),
        "tokenizer": llama_tokenizer(os.path.join(hv, "tokenizer")),
        "tokenizer_2": CLIPTokenizer.from_pretrained(os.path.join(hv, "tokenizer_2")),
        "vae": AutoencoderKLHunyuanVideo.from_pretrained(os.path.join(hv, "vae"), torch_dtype=torch.float16),
        "feature_extractor": SiglipImageProcessor.from_pretrained(
            os.path.join(model_dir, "flux_redux_bfl", "feature_extractor")),
        "image_encoder": SiglipVisionModel.from_pretrained(os.path.join(model_dir, "flux_redux_bfl", "image_encoder"),
                                                           **{dtype_arg: torch.float16}),
        "transformer": HunyuanVideoTransformer3DModelPacked.from_pretrained(os.path.join(model_dir, "framepack"),
                                                                            torch_dtype=torch.bfloat16),
    }
    for name in ("vae", "text_encoder", "text_encoder_2", "image_encoder", "transformer"):
        m[name].eval().requires_grad_(False)
    m["transformer"].high_quality_fp32_output_for_inference = True
    if high_vram:
        for name in ("text_encoder", "text_encoder_2", "image_encoder", "vae", "transformer"):
            m[name].to(gpu)
    else:
        m["vae"].enable_slicing()
        m["vae"].enable_tiling()
        DynamicSwapInstaller.install_model(m["transformer"], device=gpu)
        DynamicSwapInstaller.install_model(m["text_encoder"], device=gpu)
    return m


def llama_tokenizer(folder):
    """The demo's LlamaTokenizerFast; a bare tokenizer.json (a random model's) through the generic class."""
    from transformers import PreTrainedTokenizerFast
    try:
        from transformers import LlamaTokenizerFast
        tokenizer = LlamaTokenizerFast.from_pretrained(folder)
    except Exception as e:  # noqa: BLE001 - any failure falls back, and says so
        print(f"LlamaTokenizerFast cannot read {folder} ({type(e).__name__}: {e}); using PreTrainedTokenizerFast")
        tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(folder, "tokenizer.json"))
    # encode_prompt_conds crops [crop_start:valid length], which needs padding on the right, as the
    # released tokenizer's config asks; transformers 5's Llama tokenizer pads on the left by default.
    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.convert_ids_to_tokens(0)
    return tokenizer


def padded_prompt(prompt, tokenizer, text_tokens):
    """The prompt with padding words before it, so that text_tokens valid tokens follow the template's crop."""
    official = sys.modules[PIPELINE].DEFAULT_PROMPT_TEMPLATE
    template, crop = official["template"], official["crop_start"]

    def valid(text):
        return len(tokenizer(template.format(text)).input_ids) - crop

    words = prompt.split()
    while valid(" ".join(words)) < text_tokens:
        words.insert(0, words[0])
    while valid(" ".join(words)) > text_tokens and len(words) > 1:
        words.pop(0)
    return " ".join(words), valid(" ".join(words))


PIPELINE = "diffusers.pipelines.hunyuan_video.pipeline_hunyuan_video"


def ensure_prompt_template(diffusers_src):
    """diffusers_helper.hunyuan takes the prompt template from diffusers' HunyuanVideo pipeline, whose
    module imports transformers classes that a newer transformers may lack. Then the template alone
    is read from that module's source, and the official functions run unchanged."""
    try:
        __import__(PIPELINE)
        return
    except Exception as e:  # noqa: BLE001 - whatever breaks the import, the template is still in the source
        print(f"{PIPELINE} does not import here ({type(e).__name__}: {e}); reading its prompt template from the source")
    path = os.path.join(diffusers_src, *PIPELINE.split(".")) + ".py"
    with open(path) as f:
        tree = ast.parse(f.read())
    stand_in = types.ModuleType(PIPELINE)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DEFAULT_PROMPT_TEMPLATE" for t in node.targets):
            stand_in.DEFAULT_PROMPT_TEMPLATE = ast.literal_eval(node.value)
    if not hasattr(stand_in, "DEFAULT_PROMPT_TEMPLATE"):
        sys.exit(f"no DEFAULT_PROMPT_TEMPLATE in {path}")
    sys.modules[PIPELINE] = stand_in


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("framepack")
    parser.add_argument("diffusers")
    parser.add_argument("model_dir")
    parser.add_argument("--image", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--window", type=int, default=9)
    parser.add_argument("--teacache", action="store_true")
    parser.add_argument("--prompt", default="a bench render")
    parser.add_argument("--text-tokens", type=int, default=4,
                        help="valid LLaMA tokens after the crop (the worker's demo tokenizer gives 4 for its prompt)")
    args = parser.parse_args()
    sys.path[:0] = [args.framepack, args.diffusers]
    ensure_prompt_template(args.diffusers)
    from PIL import Image
    from diffusers_helper.bucket_tools import find_nearest_bucket
    from diffusers_helper.clip_vision import hf_clip_vision_encode
    from diffusers_helper.hunyuan import encode_prompt_conds, vae_decode, vae_encode
    from diffusers_helper.memory import (load_model_as_complete, move_model_to_device_with_memory_preservation,
                                         offload_model_from_device_for_memory_preservation, unload_complete_models,
                                         fake_diffusers_current_device, get_cuda_free_memory_gb)
    from diffusers_helper.pipelines.k_diffusion_hunyuan import sample_hunyuan
    from diffusers_helper.utils import crop_or_pad_yield_mask, resize_and_center_crop, soft_append_bcthw

    gpu = torch.device("cuda")
    meter = Meter()
    free_gb = get_cuda_free_memory_gb(gpu)
    high_vram = free_gb > 60
    print(f"{torch.cuda.get_device_name()}, {free_gb:.1f} GB free: {'high' if high_vram else 'low'}-VRAM mode; "
          f"torch {torch.__version__}", flush=True)
    m, _ = meter.time("load (the demo's start-up: from_pretrained, to the GPU)",
                      lambda: load_models(args.model_dir, gpu, high_vram))
    text_encoder, text_encoder_2, vae = m["text_encoder"], m["text_encoder_2"], m["vae"]
    image_encoder, transformer = m["image_encoder"], m["transformer"]

    with torch.no_grad():
        prompt, valid = padded_prompt(args.prompt, m["tokenizer"], args.text_tokens)
        print(f"prompt of {len(prompt.split())} words: {valid} valid LLaMA tokens after the template's crop")

        def encode_prompt():
            if not high_vram:
                fake_diffusers_current_device(text_encoder, gpu)
                load_model_as_complete(text_encoder_2, target_device=gpu)
            return encode_prompt_conds(prompt, text_encoder, text_encoder_2, m["tokenizer"], m["tokenizer_2"])

        (llama_vec, clip_l_pooler), _ = meter.time("prompt encode (LLaMA, CLIP)", encode_prompt)
        llama_vec_n, clip_l_pooler_n = torch.zeros_like(llama_vec), torch.zeros_like(clip_l_pooler)
        llama_vec, llama_mask = crop_or_pad_yield_mask(llama_vec, length=512)
        llama_vec_n, llama_mask_n = crop_or_pad_yield_mask(llama_vec_n, length=512)

        image = np.array(Image.open(args.image).convert("RGB"))
        height, width = find_nearest_bucket(*image.shape[:2], resolution=640)
        image_np = resize_and_center_crop(image, target_width=width, target_height=height)
        image_pt = (torch.from_numpy(image_np).float() / 127.5 - 1).permute(2, 0, 1)[None, :, None]

        def encode_image():
            if not high_vram:
                load_model_as_complete(vae, target_device=gpu)
            return vae_encode(image_pt, vae)

        start_latent, _ = meter.time(f"start image VAE encode ({width}x{height})", encode_image)

        def encode_siglip():
            if not high_vram:
                load_model_as_complete(image_encoder, target_device=gpu)
            return hf_clip_vision_encode(image_np, m["feature_extractor"], image_encoder).last_hidden_state

        siglip, _ = meter.time("SigLIP", encode_siglip)
        llama_vec, llama_vec_n = llama_vec.to(transformer.dtype), llama_vec_n.to(transformer.dtype)
        clip_l_pooler, clip_l_pooler_n = clip_l_pooler.to(transformer.dtype), clip_l_pooler_n.to(transformer.dtype)
        siglip = siglip.to(transformer.dtype)

        sections = int(max(round(args.seconds * 30 / (args.window * 4)), 1))
        paddings = list(reversed(range(sections))) if sections <= 4 else [3] + [2] * (sections - 3) + [1, 0]
        rnd = torch.Generator("cpu").manual_seed(31337)
        history_latents = torch.zeros(1, 16, 1 + 2 + 16, height // 8, width // 8, dtype=torch.float32)
        history_pixels, generated_frames = None, 0
        sampling, decoding, first_section = [], [], None
        try:
            import av  # noqa: F401 - the demo's MP4 writer (torchvision.io.write_video) needs PyAV
            from diffusers_helper.utils import save_bcthw_as_mp4
        except ImportError:
            save_bcthw_as_mp4 = None
            print("no PyAV here: the demo's MP4 writes are not run (not timed)")
        mp4 = []
        out_dir = os.environ.get("OUT", "/tmp")
        for section, padding in enumerate(paddings):
            last = padding == 0
            indices = torch.arange(0, sum([1, padding * args.window, args.window, 1, 2, 16])).unsqueeze(0)
            pre, _, latent_indices, post, idx2x, idx4x = indices.split(
                [1, padding * args.window, args.window, 1, 2, 16], dim=1)
            post_latent, latents2x, latents4x = history_latents[:, :, :1 + 2 + 16].split([1, 2, 16], dim=2)
            clean = torch.cat([start_latent.to(history_latents), post_latent], dim=2)

            def sample():
                if not high_vram:
                    unload_complete_models()
                    move_model_to_device_with_memory_preservation(transformer, target_device=gpu,
                                                                  preserved_memory_gb=6)
                transformer.initialize_teacache(enable_teacache=args.teacache, num_steps=args.steps)
                return sample_hunyuan(
                    transformer=transformer, sampler="unipc", width=width, height=height,
                    frames=args.window * 4 - 3, real_guidance_scale=1.0, distilled_guidance_scale=10.0,
                    guidance_rescale=0.0, num_inference_steps=args.steps, generator=rnd,
                    prompt_embeds=llama_vec, prompt_embeds_mask=llama_mask, prompt_poolers=clip_l_pooler,
                    negative_prompt_embeds=llama_vec_n, negative_prompt_embeds_mask=llama_mask_n,
                    negative_prompt_poolers=clip_l_pooler_n, device=gpu, dtype=torch.bfloat16,
                    image_embeddings=siglip, latent_indices=latent_indices, clean_latents=clean,
                    clean_latent_indices=torch.cat([pre, post], dim=1), clean_latents_2x=latents2x,
                    clean_latent_2x_indices=idx2x, clean_latents_4x=latents4x, clean_latent_4x_indices=idx4x)

            latents, s = meter.time(f"section {section + 1} sampling", sample)
            sampling.append(s)
            if last:
                latents = torch.cat([start_latent.to(latents), latents], dim=2)
            generated_frames += int(latents.shape[2])
            history_latents = torch.cat([latents.to(history_latents), history_latents], dim=2)
            real = history_latents[:, :, :generated_frames]

            def decode():
                if not high_vram:
                    offload_model_from_device_for_memory_preservation(transformer, target_device=gpu,
                                                                      preserved_memory_gb=8)
                    load_model_as_complete(vae, target_device=gpu)
                latents = real if history_pixels is None else real[:, :, :args.window * 2 + (1 if last else 0)]
                try:
                    current = vae_decode(latents, vae).cpu()
                except torch.cuda.OutOfMemoryError:
                    # The demo would fail here; the rest is timed with its low-VRAM tiling, and says so.
                    print("untiled VAE decode ran out of GPU memory: continuing with the demo's VAE tiling", flush=True)
                    vae.enable_slicing()
                    vae.enable_tiling()
                    torch.cuda.empty_cache()
                    current = vae_decode(latents, vae).cpu()
                if history_pixels is None:
                    return current
                return soft_append_bcthw(current, history_pixels, args.window * 4 - 3)

            history_pixels, d = meter.time(f"section {section + 1} decode and append", decode)
            decoding.append(d)
            if first_section is None:
                first_section = time.perf_counter() - meter.began
            if not high_vram:
                unload_complete_models()
            if save_bcthw_as_mp4 is not None:
                _, w = meter.time(f"section {section + 1} MP4 of the video so far", lambda: save_bcthw_as_mp4(
                    history_pixels, os.path.join(out_dir, "official_render.mp4"), fps=30, crf=16))
                mp4.append(w)

    total = time.perf_counter() - meter.began
    frames = int(history_pixels.shape[2])
    rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB
    print(f"official render: {sections} sections, {frames} frames = {frames / 30:.2f} s of video at {width}x{height};"
          f" whole job {total:.2f} s (load included); first section finished after {first_section:.2f} s")
    print(f"peak memory: live tensors {torch.cuda.max_memory_allocated() / GIB:.2f} GiB, device in use"
          f" {meter.device_peak / GIB:.2f} GiB; host {rss_gib:.2f} GiB peak RSS")
    print(f"summary: official=1 seconds={args.seconds} width={width} height={height} steps={args.steps}"
          f" frames={frames} total_s={total:.3f} s_per_video_s={total / (frames / 30):.3f}"
          f" first_section_s={first_section:.3f} load_s={meter.stages[0][1]:.3f} sampling_s={sum(sampling):.3f}"
          f" decode_s={sum(decoding):.3f} mp4_s={sum(mp4) if mp4 else float('nan'):.3f}"
          f" peak_allocated_gib={torch.cuda.max_memory_allocated() / GIB:.3f}"
          f" peak_device_gib={meter.device_peak / GIB:.3f} peak_rss_gib={rss_gib:.3f}", flush=True)


if __name__ == "__main__":
    main()
