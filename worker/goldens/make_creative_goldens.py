"""Writes the reference data of the creative controls (issue #13) into goldens/creative/.

Each case runs the REFERENCE code (fetched, never committed) on the tiny models of
goldens/framepack-tiny, on the CPU in float32:

  lora           kohya-ss/musubi-tuner's merge (`lora_unet_*` names, alpha) and FramePack-Studio's
                 LoRA loading (diffusers 0.33.1 key conversion + PEFT adapters), one forward
  end_frame      diffusers' HunyuanVideoFramepackPipeline with `last_image` (inverted sampling)
  timed_prompts  FramePack-Studio's `[0s: a] [2s-4s: b]` parser and its section -> prompt choice

    python make_creative_goldens.py REFS TINY OUT CASE...

REFS holds the sources exported with `git archive` (see goldens/creative/README.md for the
commits): diffusers-0.33.1/, diffusers-head/, framepack-studio/, musubi-tuner/, peft/, accelerate/,
plus site/ with the few pure-python packages the PyTorch environment lacks (requests, psutil).
Each case runs in its own process because two diffusers versions are involved.
"""
import json
import os
import sys
import tempfile
import types

import torch

REFS, TINY, OUT = (os.path.abspath(p) for p in sys.argv[1:4])
CASES = sys.argv[4:]
SEED = 20261207


def use_sources(*names):
    for name in reversed(("site",) + names):
        sys.path.insert(0, os.path.join(REFS, name))


def tensor_info(tensors):
    return {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in tensors.items()}


def write_case(name, tensors, info):
    from safetensors.torch import save_file
    os.makedirs(OUT, exist_ok=True)
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


if __name__ == "__main__":
    for name in CASES:
        globals()["case_" + name]()
