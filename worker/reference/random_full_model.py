"""Writes a FramePack model directory in the official layout (worker/.../model/Component.java) with
random weights: the released architectures, key names, dtypes and shards, for `bench render --model
full` and official_render_bench.py on a machine that cannot download the real ones.

    python random_full_model.py DEMO_MODEL OUT [--tiny] [--device cuda] [--seed 0] [--layout-only]

DEMO_MODEL is the worker's bundled tiny model (worker/src/main/resources/framepack/demo-model). Its
tokenizers are copied (small word- and letter-level vocabularies whose ids lie inside the released
embedding tables, so prompts encode at a realistic cost, not to meaningful text). With --tiny the
architectures are the demo model's configs instead of the released ones: the same code path at
kilobyte sizes, for checking. --layout-only writes the headers and leaves the tensor data as sparse
zeros (the layout of 43 GB in seconds, for a check that reads headers only).

Values: matrices and convolutions normal with std min(0.02, 1/sqrt(fan-in)), embedding tables and
biases std 0.02, norm weights 1 and norm biases 0, so activations stay in a trained model's range
(nothing overflows in fp16 or bf16). They are drawn on --device one tensor (or 2^28-value chunk) at a
time and streamed into each safetensors file, so neither the GPU nor the host holds more than one.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys
import time

import torch

# The released configs (hunyuanvideo-community/HunyuanVideo text_encoder, text_encoder_2, vae;
# lllyasviel/flux_redux_bfl image_encoder; lllyasviel/FramePackI2V_HY), values only.
RELEASED = {
    "text_encoder": {
        "architectures": ["LlamaModel"], "model_type": "llama", "torch_dtype": "float16",
        "vocab_size": 128320, "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
        "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "hidden_act": "silu", "attention_bias": False,
        "mlp_bias": False, "tie_word_embeddings": False, "bos_token_id": 128000, "eos_token_id": 128001,
    },
    "text_encoder_2": {
        "architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "torch_dtype": "float16",
        "vocab_size": 49408, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
        "num_attention_heads": 12, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
        "layer_norm_eps": 1e-05, "projection_dim": 768, "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1,
    },
    "image_encoder": {
        "architectures": ["SiglipVisionModel"], "model_type": "siglip_vision_model", "torch_dtype": "bfloat16",
        "hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27, "num_attention_heads": 16,
        "num_channels": 3, "image_size": 384, "patch_size": 14, "hidden_act": "gelu_pytorch_tanh",
        "layer_norm_eps": 1e-06,
    },
    "vae": {
        "_class_name": "AutoencoderKLHunyuanVideo", "in_channels": 3, "out_channels": 3, "latent_channels": 16,
        "down_block_types": ["HunyuanVideoDownBlock3D"] * 4, "up_block_types": ["HunyuanVideoUpBlock3D"] * 4,
        "block_out_channels": [128, 256, 512, 512], "layers_per_block": 2, "act_fn": "silu",
        "norm_num_groups": 32, "scaling_factor": 0.476986, "spatial_compression_ratio": 8,
        "temporal_compression_ratio": 4, "mid_block_add_attention": True,
    },
    "transformer": {
        "_class_name": "HunyuanVideoTransformer3DModelPacked", "in_channels": 16, "out_channels": 16,
        "num_attention_heads": 24, "attention_head_dim": 128, "num_layers": 20, "num_single_layers": 40,
        "num_refiner_layers": 2, "mlp_ratio": 4.0, "patch_size": 2, "patch_size_t": 1, "qk_norm": "rms_norm",
        "guidance_embeds": True, "text_embed_dim": 4096, "pooled_projection_dim": 768, "rope_theta": 256.0,
        "rope_axes_dim": [16, 56, 56], "has_image_proj": True, "image_proj_dim": 1152,
        "has_clean_x_embedder": True,
    },
}
RELEASED_PREPROCESSOR = {
    "image_processor_type": "SiglipImageProcessor", "do_resize": True, "size": {"height": 384, "width": 384},
    "resample": 3, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
    "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_convert_rgb": True,
}

# component: (folder in the official layout, the safetensors dtype, file stem, shards)
LAYOUT = {
    "text_encoder": ("hunyuanvideo/text_encoder", "F16", "model", 4),
    "text_encoder_2": ("hunyuanvideo/text_encoder_2", "F16", "model", 1),
    "vae": ("hunyuanvideo/vae", "F16", "diffusion_pytorch_model", 1),
    "image_encoder": ("flux_redux_bfl/image_encoder", "BF16", "model", 1),
    "transformer": ("framepack", "BF16", "diffusion_pytorch_model", 3),
}
TORCH_DTYPES = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32}
CHUNK = 1 << 28


def linear(out, name, rows, cols, bias=True):
    out[name + ".weight"] = [rows, cols]
    if bias:
        out[name + ".bias"] = [rows]


def norm(out, name, width, bias=True):
    out[name + ".weight"] = [width]
    if bias:
        out[name + ".bias"] = [width]


def llama(c):
    d, heads = c["hidden_size"], c["num_attention_heads"]
    head_dim = c.get("head_dim", d // heads)
    kv = c.get("num_key_value_heads", heads) * head_dim
    t = {"embed_tokens.weight": [c["vocab_size"], d], "norm.weight": [d]}
    for i in range(c["num_hidden_layers"]):
        p = f"layers.{i}."
        norm(t, p + "input_layernorm", d, bias=False)
        norm(t, p + "post_attention_layernorm", d, bias=False)
        for name, rows in (("q_proj", heads * head_dim), ("k_proj", kv), ("v_proj", kv)):
            linear(t, p + "self_attn." + name, rows, d, bias=False)
        linear(t, p + "self_attn.o_proj", d, heads * head_dim, bias=False)
        linear(t, p + "mlp.gate_proj", c["intermediate_size"], d, bias=False)
        linear(t, p + "mlp.up_proj", c["intermediate_size"], d, bias=False)
        linear(t, p + "mlp.down_proj", d, c["intermediate_size"], bias=False)
    return t


def encoder_layers(t, prefix, c):
    """The pre-norm layers CLIP's text tower and SigLIP's vision tower share."""
    d, mlp = c["hidden_size"], c["intermediate_size"]
    for i in range(c["num_hidden_layers"]):
        p = f"{prefix}encoder.layers.{i}."
        norm(t, p + "layer_norm1", d)
        norm(t, p + "layer_norm2", d)
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            linear(t, p + "self_attn." + name, d, d)
        linear(t, p + "mlp.fc1", mlp, d)
        linear(t, p + "mlp.fc2", d, mlp)


def clip_text(c, prefix):
    d = c["hidden_size"]
    t = {prefix + "embeddings.token_embedding.weight": [c["vocab_size"], d],
         prefix + "embeddings.position_embedding.weight": [c["max_position_embeddings"], d]}
    encoder_layers(t, prefix, c)
    norm(t, prefix + "final_layer_norm", d)
    return t


def siglip(c, prefix):
    d, mlp, patch = c["hidden_size"], c["intermediate_size"], c["patch_size"]
    t = {prefix + "embeddings.patch_embedding.weight": [d, c["num_channels"], patch, patch],
         prefix + "embeddings.patch_embedding.bias": [d],
         prefix + "embeddings.position_embedding.weight": [(c["image_size"] // patch) ** 2, d]}
    encoder_layers(t, prefix, c)
    norm(t, prefix + "post_layernorm", d)
    h = prefix + "head."
    t[h + "probe"] = [1, 1, d]
    t[h + "attention.in_proj_weight"] = [3 * d, d]
    t[h + "attention.in_proj_bias"] = [3 * d]
    linear(t, h + "attention.out_proj", d, d)
    norm(t, h + "layernorm", d)
    linear(t, h + "mlp.fc1", mlp, d)
    linear(t, h + "mlp.fc2", d, mlp)
    return t


def conv3d(t, name, out, inp, k):
    t[name + ".weight"] = [out, inp, k, k, k]
    t[name + ".bias"] = [out]


def vae_resnet(t, p, inp, out):
    norm(t, p + "norm1", inp)
    conv3d(t, p + "conv1.conv", out, inp, 3)
    norm(t, p + "norm2", out)
    conv3d(t, p + "conv2.conv", out, out, 3)
    if inp != out:
        conv3d(t, p + "conv_shortcut.conv", out, inp, 1)


def vae_mid(t, p, ch):
    vae_resnet(t, p + "resnets.0.", ch, ch)
    vae_resnet(t, p + "resnets.1.", ch, ch)
    a = p + "attentions.0."
    norm(t, a + "group_norm", ch)
    for name in ("to_q", "to_k", "to_v", "to_out.0"):
        linear(t, a + name, ch, ch)


def vae(c):
    blocks, layers, latent = c["block_out_channels"], c["layers_per_block"], c["latent_channels"]
    spatial = int(math.log2(c["spatial_compression_ratio"]))
    t = {}
    conv3d(t, "encoder.conv_in.conv", blocks[0], c["in_channels"], 3)
    channels = blocks[0]
    for i, out in enumerate(blocks):
        for j in range(layers):
            vae_resnet(t, f"encoder.down_blocks.{i}.resnets.{j}.", channels if j == 0 else out, out)
        if i < spatial and i < len(blocks) - 1:
            conv3d(t, f"encoder.down_blocks.{i}.downsamplers.0.conv.conv", out, out, 3)
        channels = out
    vae_mid(t, "encoder.mid_block.", blocks[-1])
    norm(t, "encoder.conv_norm_out", blocks[-1])
    conv3d(t, "encoder.conv_out.conv", 2 * latent, blocks[-1], 3)
    conv3d(t, "quant_conv", 2 * latent, 2 * latent, 1)
    conv3d(t, "post_quant_conv", latent, latent, 1)
    reversed_blocks = list(reversed(blocks))
    conv3d(t, "decoder.conv_in.conv", reversed_blocks[0], latent, 3)
    vae_mid(t, "decoder.mid_block.", reversed_blocks[0])
    channels = reversed_blocks[0]
    for i, out in enumerate(reversed_blocks):
        for j in range(layers + 1):
            vae_resnet(t, f"decoder.up_blocks.{i}.resnets.{j}.", channels if j == 0 else out, out)
        if i < spatial and i < len(blocks) - 1:
            conv3d(t, f"decoder.up_blocks.{i}.upsamplers.0.conv.conv", out, out, 3)
        channels = out
    norm(t, "decoder.conv_norm_out", blocks[0])
    conv3d(t, "decoder.conv_out.conv", c["out_channels"], blocks[0], 3)
    return t


def embedder(t, p, d, inp):
    linear(t, p + "linear_1", d, inp)
    linear(t, p + "linear_2", d, d)


def transformer(c):
    heads, head_dim = c["num_attention_heads"], c["attention_head_dim"]
    d, text, mlp = heads * head_dim, c["text_embed_dim"], int(heads * head_dim * c["mlp_ratio"])
    patch, patch_t, channels = c["patch_size"], c["patch_size_t"], c["in_channels"]
    t = {"x_embedder.proj.weight": [d, channels, patch_t, patch, patch], "x_embedder.proj.bias": [d]}
    if c["has_clean_x_embedder"]:
        for name, k in (("proj", 1), ("proj_2x", 2), ("proj_4x", 4)):
            t[f"clean_x_embedder.{name}.weight"] = [d, channels, patch_t * k, patch * k, patch * k]
            t[f"clean_x_embedder.{name}.bias"] = [d]
    if c["has_image_proj"]:
        linear(t, "image_projection.up", 3 * d, c["image_proj_dim"])
        linear(t, "image_projection.down", d, 3 * d)
    ce = "context_embedder."
    linear(t, ce + "proj_in", d, text)
    embedder(t, ce + "time_text_embed.timestep_embedder.", d, 256)
    embedder(t, ce + "time_text_embed.text_embedder.", d, text)
    for i in range(c["num_refiner_layers"]):
        p = f"{ce}token_refiner.refiner_blocks.{i}."
        norm(t, p + "norm1", d)
        norm(t, p + "norm2", d)
        for name in ("to_q", "to_k", "to_v", "to_out.0"):
            linear(t, p + "attn." + name, d, d)
        linear(t, p + "ff.net.0.proj", 4 * d, d)
        linear(t, p + "ff.net.2", d, 4 * d)
        linear(t, p + "norm_out.linear", 2 * d, d)
    embedder(t, "time_text_embed.timestep_embedder.", d, 256)
    embedder(t, "time_text_embed.guidance_embedder.", d, 256)
    embedder(t, "time_text_embed.text_embedder.", d, c["pooled_projection_dim"])
    for i in range(c["num_layers"]):
        p = f"transformer_blocks.{i}."
        linear(t, p + "norm1.linear", 6 * d, d)
        linear(t, p + "norm1_context.linear", 6 * d, d)
        for name in ("to_q", "to_k", "to_v", "add_q_proj", "add_k_proj", "add_v_proj", "to_out.0", "to_add_out"):
            linear(t, p + "attn." + name, d, d)
        for name in ("norm_q", "norm_k", "norm_added_q", "norm_added_k"):
            norm(t, p + "attn." + name, head_dim, bias=False)
        for ff in ("ff", "ff_context"):
            linear(t, f"{p}{ff}.net.0.proj", mlp, d)
            linear(t, f"{p}{ff}.net.2", d, mlp)
    for i in range(c["num_single_layers"]):
        p = f"single_transformer_blocks.{i}."
        linear(t, p + "norm.linear", 3 * d, d)
        for name in ("to_q", "to_k", "to_v"):
            linear(t, p + "attn." + name, d, d)
        norm(t, p + "attn.norm_q", head_dim, bias=False)
        norm(t, p + "attn.norm_k", head_dim, bias=False)
        linear(t, p + "proj_mlp", mlp, d)
        linear(t, p + "proj_out", d, d + mlp)
    linear(t, "norm_out.linear", 2 * d, d)
    linear(t, "proj_out", c["out_channels"] * patch_t * patch * patch, d)
    return t


def tensors(component, config):
    """Every tensor's name and shape, as the official classes name them."""
    if component == "text_encoder":
        return llama(config)
    if component == "text_encoder_2":
        return clip_text(config, "text_model.")
    if component == "image_encoder":
        return siglip(config, "vision_model.")
    if component == "vae":
        return vae(config)
    return transformer(config)


def is_norm(name):
    """Norm layers' affine parameters (LayerNorm, GroupNorm, RMSNorm), whose weights are 1."""
    parts = name.split(".")
    return len(parts) > 1 and "norm" in parts[-2]


EMBEDDING_TABLES = ("embed_tokens.weight", "token_embedding.weight", "position_embedding.weight")


def fill(name, shape, dtype, device, generator):
    """Yields the tensor's values in order, at most CHUNK at a time, already in its dtype, on the CPU."""
    count = math.prod(shape)
    if is_norm(name):
        value = 1.0 if name.endswith("weight") else 0.0
        for start in range(0, count, CHUNK):
            yield torch.full((min(CHUNK, count - start),), value, dtype=dtype)
        return
    fan_in = math.prod(shape[1:])
    std = 0.02 if len(shape) == 1 or name.endswith(EMBEDDING_TABLES) else min(0.02, 1 / math.sqrt(fan_in))
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        yield (torch.randn(n, device=device, generator=generator) * std).to(dtype).cpu()


def shards(names_shapes, dtype_bytes, count):
    """Splits the tensors, in name order, into count files of about equal size."""
    items = sorted(names_shapes.items())
    target = sum(math.prod(s) for _, s in items) * dtype_bytes / count
    groups, current, size = [], [], 0
    for name, shape in items:
        nbytes = math.prod(shape) * dtype_bytes
        if current and size + nbytes > target and len(groups) < count - 1:
            groups.append(current)
            current, size = [], 0
        current.append((name, shape))
        size += nbytes
    groups.append(current)
    return groups


def write_safetensors(path, group, dtype, layout_only, device, generator):
    dtype_bytes = 2 if dtype in ("F16", "BF16") else 4
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in group:
        nbytes = math.prod(shape) * dtype_bytes
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        if layout_only:
            f.truncate(8 + len(encoded) + offset)
            return offset
        for name, shape in group:
            for part in fill(name, shape, TORCH_DTYPES[dtype], device, generator):
                f.write(part.view(torch.uint8).numpy().data)
    return offset


def write_component(component, config, root, layout_only, device, generator):
    folder, dtype, stem, count = LAYOUT[component]
    out = os.path.join(root, folder)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    names_shapes = tensors(component, config)
    groups = shards(names_shapes, 2 if dtype in ("F16", "BF16") else 4, count)
    weight_map, total = {}, 0
    for i, group in enumerate(groups):
        file = f"{stem}.safetensors" if count == 1 else f"{stem}-{i + 1:05d}-of-{count:05d}.safetensors"
        total += write_safetensors(os.path.join(out, file), group, dtype, layout_only, device, generator)
        weight_map.update({name: file for name, _ in group})
    if count > 1:
        with open(os.path.join(out, f"{stem}.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    return total, len(names_shapes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("demo_model")
    parser.add_argument("out")
    parser.add_argument("--tiny", action="store_true", help="the demo model's architectures instead of the released")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout-only", action="store_true", help="headers only, data left as sparse zeros")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.demo_model, "tokenizer", "tokenizer.json")):
        sys.exit(f"{args.demo_model} is not the worker's demo model (no tokenizer/tokenizer.json)")
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"{args.out} exists and is not empty")
    generator = torch.Generator(args.device).manual_seed(args.seed)
    began = time.perf_counter()
    for component in LAYOUT:
        config = dict(RELEASED[component])
        if args.tiny:
            with open(os.path.join(args.demo_model, component, "config.json")) as f:
                config.update(json.load(f))
        t0 = time.perf_counter()
        nbytes, count = write_component(component, config, args.out, args.layout_only, args.device, generator)
        print(f"{LAYOUT[component][0]}: {count} tensors, {nbytes / 1e9:.3f} GB {LAYOUT[component][1]},"
              f" {time.perf_counter() - t0:.1f} s", flush=True)
    for source, target in (("tokenizer", "hunyuanvideo/tokenizer"), ("tokenizer_2", "hunyuanvideo/tokenizer_2")):
        shutil.copytree(os.path.join(args.demo_model, source), os.path.join(args.out, target))
    extractor = os.path.join(args.out, "flux_redux_bfl", "feature_extractor")
    os.makedirs(extractor)
    if args.tiny:
        shutil.copy(os.path.join(args.demo_model, "feature_extractor", "preprocessor_config.json"), extractor)
    else:
        with open(os.path.join(extractor, "preprocessor_config.json"), "w") as f:
            json.dump(RELEASED_PREPROCESSOR, f, indent=2)
    print(f"model written to {args.out} in {time.perf_counter() - began:.1f} s", flush=True)


if __name__ == "__main__":
    main()
