"""Writes the reference data of the creative controls (issue #13) into goldens/creative/.

Each case runs the REFERENCE code (fetched, never committed) on the tiny models of
goldens/framepack-tiny, on the CPU in float32:

  lora           kohya-ss/musubi-tuner's merge (`lora_unet_*` names, alpha) and FramePack-Studio's
                 LoRA loading (diffusers 0.33.1 key conversion + PEFT adapters), one forward
  end_frame      diffusers' HunyuanVideoFramepackPipeline with `last_image` (inverted sampling)
  timed_prompts  FramePack-Studio's `[0s: a] [2s-4s: b]` parser and its section -> prompt choice
  video_extension  FramePack-Studio's video encode into the history and its F1 context packing

Where a reference cannot run whole, the case says so in the manifest and follows its lines.

    python make_creative_goldens.py REFS TINY OUT CASE

REFS holds the sources exported with `git archive` (see goldens/creative/README.md for the
commits): diffusers-0.33.1/, diffusers-head/, framepack-studio/, musubi-tuner/, peft/, accelerate/,
plus site/ with the few pure-python packages the PyTorch environment lacks (requests, psutil).
Run one case per process: the cases use two diffusers versions.
"""
import json
import os
import sys
import tempfile
import types

import torch

if len(sys.argv) != 5:
    sys.exit(__doc__)
REFS, TINY, OUT = (os.path.abspath(p) for p in sys.argv[1:4])
SEED = 20261207


def use_sources(*names):
    for name in reversed(("site",) + names):
        sys.path.insert(0, os.path.join(REFS, name))


def tensor_info(tensors):
    return {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in tensors.items()}


def write_case(name, tensors, info):
    from safetensors.torch import save_file
    if tensors:
        save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, f"{name}.safetensors"))
        info = dict(info, tensors=tensor_info(tensors))
    manifest_path = os.path.join(OUT, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {"cases": {}}
    manifest["torch"] = torch.__version__
    manifest["seed"] = SEED
    manifest["cases"][name] = info
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print(name, json.dumps(info)[:400])


def tiny_config(name):
    config = json.load(open(os.path.join(TINY, f"{name}_config.json")))
    return {k: v for k, v in config.items() if not k.startswith("_")}


def studio_transformer():
    """FramePack-Studio's packed transformer with the tiny weights.

    Its diffusers_helper/utils.py imports cv2 and torchvision for image and video helpers that no
    case calls; both are absent here, so empty modules stand in for them once diffusers and
    transformers have probed their optional dependencies (probing a stand-in would fool them).
    """
    from diffusers.loaders import FromOriginalModelMixin  # noqa: F401  (runs the probes)
    from safetensors.torch import load_file
    for name in ("cv2", "torchvision"):
        sys.modules.setdefault(name, types.ModuleType(name))
    from diffusers_helper.models.hunyuan_video_packed import HunyuanVideoTransformer3DModelPacked
    model = HunyuanVideoTransformer3DModelPacked(**tiny_config("transformer")).eval()
    model.load_state_dict(load_file(os.path.join(TINY, "transformer.safetensors")))
    return model


# ---------------------------------------------------------------------------------------------
# (a) LoRA

# Linear layers of both block kinds (musubi-tuner's FRAMEPACK_TARGET_REPLACE_MODULES), input and
# output sides of attention and MLP.
LORA_TARGETS = [
    "transformer_blocks.0.attn.to_q",
    "transformer_blocks.0.attn.add_k_proj",
    "transformer_blocks.1.ff.net.0.proj",
    "transformer_blocks.1.ff_context.net.2",
    "single_transformer_blocks.0.attn.to_v",
    "single_transformer_blocks.1.proj_out",
]
LORA_RANK, LORA_ALPHA, LORA_SCALE = 4, 2.0, 0.8
# A second LoRA without alpha keys (alpha = rank), overlapping the first on one layer.
LORA2_TARGETS = ["transformer_blocks.0.attn.to_q", "single_transformer_blocks.1.proj_mlp"]
LORA2_RANK, LORA2_SCALE = 2, -0.5


def kohya_name(module):
    return "lora_unet_" + module.replace(".", "_")


def random_lora(base, targets, rank, alpha, generator):
    """kohya/musubi-tuner layout: lora_down [rank, in], lora_up [out, rank], alpha scalar."""
    lora = {}
    for module in targets:
        out_dim, in_dim = base[module + ".weight"].shape
        name = kohya_name(module)
        lora[name + ".lora_down.weight"] = torch.randn(rank, in_dim, generator=generator) * 0.3
        lora[name + ".lora_up.weight"] = torch.randn(out_dim, rank, generator=generator) * 0.3
        if alpha is not None:
            lora[name + ".alpha"] = torch.tensor(alpha)
    return lora


def as_diffusers(kohya, targets, rank, alpha):
    """The same LoRA in diffusers/PEFT names. Those files carry no alpha (diffusers loads them with
    alpha = rank), so alpha / rank is folded into lora_B, as conversion tools do."""
    scale = (alpha if alpha is not None else rank) / rank
    lora = {}
    for module in targets:
        name = kohya_name(module)
        lora[f"transformer.{module}.lora_A.weight"] = kohya[name + ".lora_down.weight"]
        lora[f"transformer.{module}.lora_B.weight"] = kohya[name + ".lora_up.weight"] * scale
    return lora


def case_lora():
    use_sources("musubi-tuner/src", "framepack-studio", "diffusers-0.33.1/src", "peft/src", "accelerate/src")
    from safetensors.torch import load_file, save_file
    from musubi_tuner.utils.lora_utils import load_safetensors_with_lora_and_fp8
    from diffusers_helper import lora_utils as studio_lora

    base_path = os.path.join(TINY, "transformer.safetensors")
    base = load_file(base_path)
    g = torch.Generator().manual_seed(SEED)
    lora1 = random_lora(base, LORA_TARGETS, LORA_RANK, LORA_ALPHA, g)
    lora2 = random_lora(base, LORA2_TARGETS, LORA2_RANK, None, g)
    lora1_diffusers = as_diffusers(lora1, LORA_TARGETS, LORA_RANK, LORA_ALPHA)

    # musubi-tuner: merge at load, one LoRA and then two.
    merged_one = load_safetensors_with_lora_and_fp8(base_path, [dict(lora1)], [LORA_SCALE], False, torch.device("cpu"))
    merged_two = load_safetensors_with_lora_and_fp8(base_path, [dict(lora1), dict(lora2)],
                                                    [LORA_SCALE, LORA2_SCALE], False, torch.device("cpu"))

    # FramePack-Studio: the diffusers-named file through its load_lora / set_adapters (PEFT layers).
    work = tempfile.mkdtemp()
    save_file(lora1_diffusers, os.path.join(work, "lora1_diffusers.safetensors"))
    inputs = load_file(os.path.join(TINY, "transformer_forward_case.safetensors"))
    forward_args = {k: inputs[k] for k in (
        "hidden_states", "timestep", "encoder_hidden_states", "encoder_attention_mask", "pooled_projections",
        "guidance", "latent_indices", "clean_latents", "clean_latent_indices", "clean_latents_2x",
        "clean_latent_2x_indices", "clean_latents_4x", "clean_latent_4x_indices", "image_embeddings")}
    model = studio_transformer()
    model, adapter = studio_lora.load_lora(model, work, "lora1_diffusers.safetensors")
    studio_lora.set_adapters(model, [adapter], [LORA_SCALE])
    with torch.no_grad():
        studio_output = model(**forward_args, return_dict=False)[0]
        model.fuse_lora(lora_scale=1.0, adapter_names=[adapter])
    studio_merged = {k: v for k, v in model.state_dict().items() if "lora_" not in k}
    studio_merged = {k.replace(".base_layer", ""): v for k, v in studio_merged.items()}

    # The musubi-merged weights in the plain model give the same forward.
    plain = studio_transformer()
    plain.load_state_dict(merged_one)
    with torch.no_grad():
        merged_output = plain(**forward_args, return_dict=False)[0]

    changed = [m + ".weight" for m in LORA_TARGETS]
    changed_two = sorted(set(changed) | {m + ".weight" for m in LORA2_TARGETS})
    for key in base:
        if key not in changed_two:
            assert torch.equal(merged_two[key], base[key]), key
    lora_files = {"lora1_kohya": lora1, "lora1_diffusers": lora1_diffusers, "lora2_kohya": lora2}
    for name, lora in lora_files.items():
        save_file({k: v.contiguous() for k, v in lora.items()}, os.path.join(OUT, f"{name}.safetensors"))
    tensors = {}
    tensors.update({"merged_one." + k: merged_one[k] for k in changed})
    tensors.update({"merged_two." + k: merged_two[k] for k in changed_two})
    tensors["forward_output"] = studio_output
    write_case("lora_case", tensors, {
        "reference": {
            "merge": "musubi-tuner src/musubi_tuner/utils/lora_utils.py load_safetensors_with_lora_and_fp8 "
                     "(W += multiplier * (up @ down) * alpha / rank; alpha defaults to rank)",
            "adapters": "FramePack-Studio diffusers_helper/lora_utils.py load_lora + set_adapters "
                        "(diffusers 0.33.1 _convert_hunyuan_video_lora_to_diffusers, PEFT 0.15.2 LoRA layers, "
                        "network_alphas=None so alpha = rank; merged view from diffusers fuse_lora)",
        },
        "lora_files": {name: tensor_info(lora) for name, lora in lora_files.items()},
        "lora1": {"targets": LORA_TARGETS, "rank": LORA_RANK, "alpha": LORA_ALPHA, "scale": LORA_SCALE},
        "lora2": {"targets": LORA2_TARGETS, "rank": LORA2_RANK, "alpha": None, "scale": LORA2_SCALE},
        "forward_inputs": "transformer_forward_case of framepack-tiny",
        "studio_vs_musubi_max_abs_diff": {
            "weights": max((studio_merged[k] - merged_one[k]).abs().max().item() for k in changed),
            "forward": (studio_output - merged_output).abs().max().item(),
        },
        "notes": [
            "kohya names are 'lora_unet_' + module name with '.' -> '_'; musubi-tuner maps model keys to them "
            "(the reverse is ambiguous), unknown LoRA keys only give a warning there",
            "FramePack-Studio ignores alpha keys of diffusers-named files (network_alphas=None)",
        ],
    })



# ---------------------------------------------------------------------------------------------
# (b) End frame

END_K, END_SECTIONS, END_STEPS, END_SIZE, END_STRENGTH = 3, 3, 2, 64, 0.5


def test_picture(seed):
    """A smooth colour gradient with some noise, uint8 H x W x 3."""
    import numpy as np
    g = torch.Generator().manual_seed(seed)
    ys = torch.linspace(0, 1, END_SIZE).view(END_SIZE, 1, 1)
    xs = torch.linspace(0, 1, END_SIZE).view(1, END_SIZE, 1)
    phase = torch.rand(1, 1, 3, generator=g) * 6.28
    picture = 0.5 + 0.4 * torch.sin(3 * ys + 2 * xs + phase) + 0.05 * torch.randn(END_SIZE, END_SIZE, 3, generator=g)
    return (picture.clamp(0, 1) * 255).to(torch.uint8).numpy().astype(np.uint8)


def case_end_frame():
    use_sources("diffusers-head/src")
    from PIL import Image
    from safetensors.torch import load_file
    from transformers import SiglipImageProcessor, SiglipVisionConfig, SiglipVisionModel
    from diffusers import (AutoencoderKLHunyuanVideo, FlowMatchEulerDiscreteScheduler,
                           HunyuanVideoFramepackPipeline, HunyuanVideoFramepackTransformer3DModel)

    transformer = HunyuanVideoFramepackTransformer3DModel(**tiny_config("transformer")).eval()
    transformer.load_state_dict(load_file(os.path.join(TINY, "transformer.safetensors")))
    vae = AutoencoderKLHunyuanVideo(**tiny_config("vae")).eval()
    vae.load_state_dict(load_file(os.path.join(TINY, "vae.safetensors")))
    image_encoder = SiglipVisionModel(SiglipVisionConfig(**tiny_config("image_encoder"))).eval()
    image_encoder.load_state_dict(load_file(os.path.join(TINY, "image_encoder.safetensors")))
    size = image_encoder.config.image_size
    feature_extractor = SiglipImageProcessor(size={"height": size, "width": size})
    pipe = HunyuanVideoFramepackPipeline(text_encoder=None, tokenizer=None, transformer=transformer, vae=vae,
                                         scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder_2=None,
                                         tokenizer_2=None, image_encoder=image_encoder,
                                         feature_extractor=feature_extractor)
    text = load_file(os.path.join(TINY, "transformer_forward_case.safetensors"))

    first_calls = []

    def record(module, args, kwargs):
        if len(first_calls) < END_SECTIONS and pipe._current_timestep == pipe.scheduler.timesteps[0]:
            first_calls.append({k: v.clone() for k, v in kwargs.items() if isinstance(v, torch.Tensor)})

    transformer.register_forward_pre_hook(record, with_kwargs=True)
    start, end = test_picture(SEED + 1), test_picture(SEED + 2)
    num_frames = END_SECTIONS * ((END_K - 1) * 4 + 1)
    with torch.no_grad():
        out = pipe(image=Image.fromarray(start), last_image=Image.fromarray(end), height=END_SIZE, width=END_SIZE,
                   num_frames=num_frames, latent_window_size=END_K, num_inference_steps=END_STEPS,
                   guidance_scale=10.0, generator=torch.Generator().manual_seed(SEED),
                   prompt_embeds=text["encoder_hidden_states"], prompt_attention_mask=text["encoder_attention_mask"],
                   pooled_prompt_embeds=text["pooled_projections"], output_type="latent", return_dict=False,
                   sampling_type="inverted_anti_drifting")[0]
    assert len(first_calls) == END_SECTIONS
    tensors = {"start_image": torch.from_numpy(start), "end_image": torch.from_numpy(end),
               "image_embeds": first_calls[0]["image_embeds"]}
    recorded = ["hidden_states", "indices_latents", "latents_clean", "indices_latents_clean", "latents_history_2x",
                "indices_latents_history_2x", "latents_history_4x", "indices_latents_history_4x"]
    for n, call in enumerate(first_calls):
        for key in recorded:
            tensors[f"s{n}_{key}"] = call[key]
        tensors[f"s{n}_history_latents"] = out[n]
    start_latent = first_calls[0]["latents_clean"][:, :, :1]
    end_latent = first_calls[0]["latents_clean"][:, :, 1:]
    tensors["start_latent"], tensors["end_latent"] = start_latent, end_latent
    with torch.no_grad():
        start_embeds = pipe.encode_image(pipe.video_processor.preprocess(Image.fromarray(start), END_SIZE, END_SIZE))
    tensors["start_image_embeds"] = start_embeds
    # The pipeline averages start and end embeddings into last_image_embeds (line 813) but hands the
    # transformer image_embeds, the start image's alone (line 962): the end image enters only as a latent.
    assert torch.equal(start_embeds, tensors["image_embeds"])

    # FramePack-Studio's "Original with Endframe": not runnable (its worker() needs the whole studio:
    # UI queues, model managers, __main__ globals), so its equation is applied here to the same latents.
    # modules/pipelines/worker.py (f4369da) lines 789-802, on the first loop iteration only:
    #     actual = end_frame_latent.clone(); if end_frame_strength != 1.0: actual = actual * end_frame_strength
    #     history_latents[:, :, 0:1, :, :] = actual
    # then modules/generators/original_generator.py prepare_clean_latents (lines 109-124) reads
    # clean_latents_post, 2x, 4x = history[:, :, :19].split([1, 2, 16]); clean_latents = cat(start, post).
    # The strength also scales the latent at 1.0 only through this product; image embeddings stay the
    # start image's (no averaging, worker.py lines 475-525 encode the end frame with SigLIP only for "Video").
    history = torch.zeros(1, 16, 1 + 2 + 16, END_SIZE // 8, END_SIZE // 8)
    history[:, :, 0:1] = end_latent * END_STRENGTH
    post, history_2x, history_4x = history[:, :, :19].split([1, 2, 16], dim=2)
    tensors["studio_s0_latents_clean"] = torch.cat([start_latent, post], dim=2)
    generated = out[0][:, :, :END_K]
    history = torch.cat([generated, history], dim=2)
    tensors["studio_s1_latents_history_4x"] = history[:, :, 3:19]
    write_case("end_frame_case", tensors, {
        "reference": "diffusers pipelines/hunyuan_video/pipeline_hunyuan_video_framepack.py (58eb52c) __call__ "
                     "with last_image, sampling_type inverted_anti_drifting, FlowMatchEulerDiscreteScheduler() defaults",
        "settings": {"latent_window_size": END_K, "sections": END_SECTIONS, "steps": END_STEPS, "size": END_SIZE,
                     "num_frames": num_frames, "guidance_scale": 10.0, "true_cfg_scale": 1.0,
                     "text": "transformer_forward_case conditioning", "generator_seed": SEED},
        "studio_end_frame_strength": END_STRENGTH,
        "equations": {
            "diffusers": "first section only: latents_history_1x = last_image_latents (lines 889-895), so "
                         "latents_clean = cat(start, end); history buffer and 2x/4x untouched; the VAE samples the "
                         "start then the end latent from the job generator before any noise (lines 822-828); "
                         "(start_embeds + end_embeds) / 2 is computed into last_image_embeds (lines 808-813) but never "
                         "used: the transformer gets the start image's embeddings (line 962), as image_embeds shows",
            "framepack_studio": "first section only: history[:, :, 0:1] = end_latent * strength "
                                "(modules/pipelines/worker.py lines 789-802); it stays in the buffer and is read "
                                "again as 2x/4x context by later sections; image embeddings of the start image only",
            "f1": "diffusers refuses last_image unless sampling_type is inverted_anti_drifting (lines 515-519); "
                  "FramePack-Studio has no F1 end frame: its F1 branch (worker.py lines 806-811) sits inside a test that admits only 'Original with Endframe' (line 790), so it never runs",
        },
        "sections": "sN_* are the transformer inputs of section N's first step (N in generation order); "
                    "sN_history_latents the real history after it (output_type='latent')",
    })



# ---------------------------------------------------------------------------------------------
# (c) Timed prompts

TIMED_PROMPTS = [
    "[0s: a cat sits] [2s-4s: the cat jumps] [5s: the cat sleeps]",
    "[0s: wave] [1.1s: smile] [2.2s: thumbs down]",
    "[1s: a late start] text outside the brackets",
    "[3s: b second] [0s: a first]",
    "[0s: one] [0.5s: two] [1s: one]",
    "a prompt without times",
    "[0s: unclosed bracket",
    "[x: not a time] [1s: fine]",
]
TIMED_SECONDS = [1, 2, 5, 6.5, 10]
TIMED_WINDOWS = [9, 5]
TIMED_BLENDS = [0, 2]
# FramePack-Studio runs inverted ("Original") or forward ("F1") sampling.
TIMED_TYPES = {"Original": "inverted", "F1": "f1"}


def studio_section_loop_body(worker_source):
    """FramePack-Studio's per-section prompt choice and blending, the exact lines of its worker()
    (modules/pipelines/worker.py lines 711-779), which cannot run whole outside the studio app."""
    lines = worker_source.splitlines()[710:779]
    assert lines[0].strip() == "# Calculate the current time position", lines[0]
    assert lines[-1].strip() == "llama_vec, llama_attention_mask, clip_l_pooler = encoded_prompts[current_prompt]"
    import textwrap
    return compile(textwrap.dedent("\n".join(lines)), "worker.py:711-779", "exec")


def studio_schedule(model_type, seconds, window, blend_sections, prompt_text, body):
    from modules.prompt_handler import parse_timestamped_prompt
    sections = parse_timestamped_prompt(prompt_text, seconds, window, model_type)
    # worker.py lines 134-135, 318-337, 546-563 (has_input_image: an image-to-video job)
    total_latent_sections = int(max(round((seconds * 30) / (window * 4)), 1))
    unique = []
    for section in sections:
        if section.prompt not in unique:
            unique.append(section.prompt)
    # One-hot "embeddings": the blended vector shows each prompt's weight.
    encoded = {p: (torch.eye(len(unique), dtype=torch.float64)[i], torch.ones(1), torch.eye(len(unique), dtype=torch.float64)[i])
               for i, p in enumerate(unique)}
    changes, last = [], None
    for idx, section in enumerate(sections):
        if section.prompt != last:
            changes.append((idx, section.prompt))
            last = section.prompt
    if model_type == "F1":
        paddings = [1] * (total_latent_sections - 1) + [0]  # modules/generators/f1_generator.py lines 95-106
        total_generated = 1
    else:
        paddings = ([3] + [2] * (total_latent_sections - 3) + [1, 0]) if total_latent_sections > 4 \
            else list(reversed(range(total_latent_sections)))  # original_generator.py get_latent_paddings
        total_generated = 0
    rows = []
    for section_idx, latent_padding in enumerate(paddings):
        scope = {"model_type": model_type, "total_generated_latent_frames": total_generated,
                 "prompt_sections": sections, "blend_sections": blend_sections, "prompt_change_indices": changes,
                 "section_idx": section_idx, "encoded_prompts": encoded, "print": lambda *a, **k: None}
        exec(body, scope)
        weights = scope["llama_vec"].tolist()
        rows.append({"section": section_idx, "latent_padding": latent_padding,
                     "latent_frames_before": total_generated,
                     "time_position": scope["current_time_position"],
                     "prompt": unique.index(scope["current_prompt"]),
                     "blend_alpha": scope["blend_alpha"], "weights": weights})
        # worker.py lines 880-884: the start latent joins the last inverted section
        total_generated += window + (1 if model_type != "F1" and latent_padding == 0 else 0)
    return {"parsed": [{"prompt": s.prompt, "start": s.start_time, "end": s.end_time} for s in sections],
            "prompts": unique, "sections": rows}


def case_timed_prompts():
    use_sources("framepack-studio")
    body = studio_section_loop_body(open(os.path.join(REFS, "framepack-studio/modules/pipelines/worker.py")).read())
    schedules = []
    for text in TIMED_PROMPTS:
        for model_type, schedule in TIMED_TYPES.items():
            for seconds in TIMED_SECONDS:
                for window in TIMED_WINDOWS:
                    for blend in TIMED_BLENDS:
                        result = studio_schedule(model_type, seconds, window, blend, text, body)
                        schedules.append(dict(result, text=text, schedule=schedule, seconds=seconds,
                                              latent_window_size=window, blend_sections=blend))
    schedules_file = os.path.join(OUT, "timed_prompts_case.json")
    with open(schedules_file, "w") as f:
        json.dump(schedules, f, separators=(",", ":"))
        f.write("\n")
    write_case("timed_prompts_case", {}, {
        "reference": "FramePack-Studio (f4369da) modules/prompt_handler.py parse_timestamped_prompt (run as is) and "
                     "the per-section prompt choice and blend of modules/pipelines/worker.py lines 711-779 "
                     "(those exact lines executed for each section, with one-hot prompt embeddings)",
        "equations": {
            "parse": "[Ns: text] or [Ns-Ms: text]; text outside brackets becomes a prompt from 0 to the end; "
                     "sorted by start; a missing end is the next start, the last one's the requested seconds; "
                     "start and end snapped to multiples of (4K-3)/30 s (round half to even); an end at or "
                     "before its start becomes start + (4K-3)/30; inverted sampling maps [a, b) to "
                     "[seconds - b, seconds - a)",
            "time_position": "(latent frames generated so far * 4 - 3) / 30, 0.01 when negative; the first "
                             "section whose [start, end) holds it gives the prompt, else the first section's",
            "blend": "embeds = (1 - alpha) * prev + alpha * next (LLaMA and CLIP pooled; the mask is prev's)",
        },
        "schedules": "timed_prompts_case.json: one entry per prompt text, schedule, seconds, window and blend; "
                     "'parsed' is the reference parser's output, 'sections' the per-section choice in generation order "
                     "('prompt' indexes 'prompts', 'weights' the blended embedding's weight of each prompt)",
        "notes": [
            "the blend window compares the section counter with indices into the parsed prompt list "
            "(worker.py lines 742-767), so it does not follow the time position",
            "malformed brackets are not errors in the reference: without both '[' and ']' the whole text is one "
            "prompt, and a bracket that does not match the pattern stays in the outside text",
        ],
    })



# ---------------------------------------------------------------------------------------------
# (d) Video extension

VIDEO_FRAMES, VIDEO_SIZE, VIDEO_K = 22, 64, 9


def test_video(frames, seed):
    """A drifting colour pattern, uint8 T x H x W x 3."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(frames, dtype=torch.float32).view(frames, 1, 1, 1)
    ys = torch.linspace(0, 1, VIDEO_SIZE).view(1, VIDEO_SIZE, 1, 1)
    xs = torch.linspace(0, 1, VIDEO_SIZE).view(1, 1, VIDEO_SIZE, 1)
    phase = torch.rand(1, 1, 1, 3, generator=g) * 6.28
    video = 0.5 + 0.4 * torch.sin(4 * ys + 3 * xs - 0.3 * t + phase)
    video = video + 0.03 * torch.randn(frames, VIDEO_SIZE, VIDEO_SIZE, 3, generator=g)
    return (video.clamp(0, 1) * 255).to(torch.uint8).numpy()


def case_video_extension():
    # diffusers 0.33.1's pipeline modules, which diffusers_helper/hunyuan.py imports, fail under
    # transformers 5; the VAE code of diffusers 58eb52c differs from 0.33.1's only in type hints.
    use_sources("framepack-studio", "diffusers-head/src", "peft/src", "accelerate/src")
    from diffusers import AutoencoderKLHunyuanVideo
    from safetensors.torch import load_file
    from diffusers.loaders import FromOriginalModelMixin  # noqa: F401  (probes first, as in studio_transformer)
    # decord reads the MP4 in extract_video_frames, which is replaced here: the frames are given.
    # diffusers_helper/memory.py asks CUDA for a device at import; only load_model uses it.
    for name in ("cv2", "torchvision", "decord", "diffusers_helper.memory"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["diffusers_helper.memory"].DynamicSwapInstaller = None
    from modules.generators.video_f1_generator import VideoF1ModelGenerator

    vae = AutoencoderKLHunyuanVideo(**tiny_config("vae")).eval()
    vae.load_state_dict(load_file(os.path.join(TINY, "vae.safetensors")))
    generator = object.__new__(VideoF1ModelGenerator)  # its __init__ loads the real checkpoints
    generator.model_name, generator.vae, generator.gpu, generator.cpu = "Video F1", vae, "cpu", "cpu"
    video = test_video(VIDEO_FRAMES, SEED + 3)
    # extract_video_frames (video_base_generator.py lines 142-273) keeps the last
    # min_real_frames_to_encode(T) frames, resized to the bucket; these are already bucket-sized.
    kept = generator.min_real_frames_to_encode(VIDEO_FRAMES)
    frames = video[VIDEO_FRAMES - kept:]
    generator.extract_video_frames = lambda *args, **kwargs: (frames, 30.0, VIDEO_SIZE, VIDEO_SIZE)

    torch.manual_seed(SEED)  # vae_encode samples the posterior from the global generator
    with torch.no_grad():
        (start_latent, first_frame, video_latents, _, _, _, input_pixels, last_frame,
         _) = generator.video_encode("input.mp4", VIDEO_SIZE, vae_batch_size=16, device="cpu")
        scale = vae.config.scaling_factor
        batches = [input_pixels[:, :, i:i + 16] for i in range(0, input_pixels.shape[2], 16)]
        means = torch.cat([vae.encode(b).latent_dist.mean for b in batches], dim=2)
        stds = torch.cat([vae.encode(b).latent_dist.std for b in batches], dim=2)
    # input_pixels (video[T - kept:] / 127.5 - 1, as B,C,T,H,W) are left out: the uint8 video gives them.
    tensors = {"video": torch.from_numpy(video), "video_latents": video_latents,
               "posterior_mean": means, "posterior_std": stds,
               "sample_noise": (video_latents / scale - means) / stds}
    assert torch.equal(input_pixels, (tensors["video"][VIDEO_FRAMES - kept:].float() / 127.5 - 1)
                       .permute(3, 0, 1, 2).unsqueeze(0))
    assert torch.equal(torch.from_numpy(first_frame), tensors["video"][VIDEO_FRAMES - kept])
    assert torch.equal(torch.from_numpy(last_frame), tensors["video"][-1])

    # worker.py lines 396-401: history = the video's latents, the start latent their last frame, no
    # frame counted as generated; each section appends K latents (video_f1_generator.py 109-123).
    g = torch.Generator().manual_seed(SEED + 4)
    stand_in = torch.randn(1, 16, VIDEO_K, VIDEO_SIZE // 8, VIDEO_SIZE // 8, generator=g)
    histories = {"s0": video_latents, "s1": torch.cat([video_latents, stand_in], dim=2)}
    tensors["s1_appended_latents"] = stand_in
    contexts = {}
    for cleaned in (5, 2):
        for section, history in histories.items():
            (clean_idx, latent_idx, idx_2x, idx_4x, clean, clean_2x, clean_4x) = \
                generator.video_f1_prepare_clean_latents_and_indices(VIDEO_K, video_latents, history, cleaned)
            key = f"{section}_cleaned{cleaned}"
            tensors.update({f"{key}_clean_latent_indices": clean_idx, f"{key}_latent_indices": latent_idx,
                            f"{key}_clean_latent_2x_indices": idx_2x, f"{key}_clean_latent_4x_indices": idx_4x,
                            f"{key}_clean_latents": clean, f"{key}_clean_latents_2x": clean_2x,
                            f"{key}_clean_latents_4x": clean_4x})
            contexts[key] = {"history_frames": history.shape[2], "indices": {
                "clean": clean_idx.tolist()[0], "latent": latent_idx.tolist()[0],
                "2x": idx_2x.tolist()[0], "4x": idx_4x.tolist()[0]}}
    write_case("video_extension_case", tensors, {
        "reference": "FramePack-Studio (f4369da) modules/generators/video_base_generator.py min_real_frames_to_encode "
                     "and video_encode, video_f1_generator.py video_f1_prepare_clean_latents_and_indices, run as is "
                     "on the tiny VAE (diffusers 58eb52c); the MP4 reading (decord) is replaced by the frames",
        "settings": {"input_frames": VIDEO_FRAMES, "kept_frames": kept, "size": VIDEO_SIZE, "vae_batch_size": 16,
                     "latent_window_size": VIDEO_K, "num_cleaned_frames": [5, 2], "global_seed": SEED},
        "contexts": contexts,
        "equations": {
            "frames": "keep the last min(T, 27 * 4) frames, cut down to a multiple of 4 (lines 86-140)",
            "encode": "pixels / 127.5 - 1; the VAE encodes batches of 16 frames separately (each batch causal "
                      "from its own first frame: 16 frames -> 4 latents, 4 -> 1), posterior sampled, times the "
                      "scaling factor; sample_noise = (latent / scale - mean) / std",
            "history": "the video's latents are the history; start latent = their last frame (worker.py 396-401); "
                       "SigLIP embeds the first kept frame; the output is the input video followed by the "
                       "generated frames (combine_videos, ffmpeg)",
            "context": "indices [start, 4x (<= 16), 2x (<= 2), 1x (num_cleaned_frames - 1), K] counted over the "
                       "frames available; contexts read from the back of the history; clean = cat(start, 1x)",
        },
        "notes": ["the backward 'Video' model (video_generator.py) is not covered: the issue asks for forward "
                  "extension (F1)"],
    })


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    globals()["case_" + sys.argv[4]]()
