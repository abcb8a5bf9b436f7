"""Writes the worker's TorchScript kernel pack: the few operations DJL 0.36 lacks or runs slowly.

DJL cannot create bfloat16 tensors, has no scaled-dot-product attention (composing it materialises
the L x L score matrix: 17 GB per layer at FramePack's 19k tokens), only the erf GELU, no pinned host
memory, and cannot copy a bf16 tensor between devices. PyTorch's
own kernels, scripted here, fill those gaps; the worker calls them through DJL's TorchScript support.

    python make_kernel_pack.py OUT.pt        # then copy OUT.pt into the worker's resources

The file is checked before it is written: every method against eager PyTorch on random inputs, and on
a CUDA machine that attention over 19k tokens stays far below the size of its score matrix.
"""
import sys
from typing import List

import torch
import torch.nn.functional as F


class KernelPack(torch.nn.Module):
    @torch.jit.export
    def to_bf16(self, x: torch.Tensor) -> torch.Tensor:
        """Round to bfloat16 (round to nearest even), the only way the worker gets bf16 tensors."""
        return x.to(torch.bfloat16)

    @torch.jit.export
    def sdpa(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """softmax(q k^T / sqrt(d)) v over [B, H, N, D]; fused (flash / cuDNN / mem-efficient) on CUDA."""
        return F.scaled_dot_product_attention(q, k, v)

    @torch.jit.export
    def sdpa_masked(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """As sdpa, with a boolean mask broadcastable to [B, H, Nq, Nk] (True = may attend)."""
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)

    @torch.jit.export
    def gelu_tanh(self, x: torch.Tensor) -> torch.Tensor:
        """The tanh GELU of the transformer MLPs in one pass (float32 inside, one rounding)."""
        return F.gelu(x, approximate="tanh")

    @torch.jit.export
    def pin(self, x: torch.Tensor) -> torch.Tensor:
        """A page-locked host copy of x: what a streamed weight waits in between its uses (CUDA builds only)."""
        return x.pin_memory()

    @torch.jit.export
    def copy_to_device_of(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """A copy of x on like's device, in x's dtype (bf16 too, which DJL's own copy cannot name).

        Queued without waiting when x is pinned; on the current stream, so compute that uses it waits for it.
        """
        return x.to(like.device, non_blocking=True, copy=True)


    @torch.jit.export
    def group_norm(self, x: torch.Tensor, groups: int, weight: torch.Tensor, bias: torch.Tensor,
                   eps: float) -> torch.Tensor:
        """The VAE's GroupNorm in one pass; composed from layer_norm it costs three and, with only
        B*groups rows over millions of values each, runs on a handful of thread blocks."""
        return F.group_norm(x, groups, weight, bias, eps)

    @torch.jit.export
    def replicate_pad(self, x: torch.Tensor, pad: List[int]) -> torch.Tensor:
        """The causal convolutions' replicate padding in one copy (last axis first, as F.pad)."""
        return F.pad(x, pad, mode="replicate")


def check(pack: torch.jit.ScriptModule, device: str) -> None:
    g = torch.Generator(device="cpu").manual_seed(0)

    def rand(*shape):
        return torch.randn(*shape, generator=g).to(device)

    x = rand(4, 37) * 100
    assert torch.equal(pack.to_bf16(x), x.to(torch.bfloat16))
    assert torch.equal(pack.gelu_tanh(x), F.gelu(x, approximate="tanh"))
    weight = x.to(torch.bfloat16)
    copied = pack.copy_to_device_of(weight, rand(1))
    assert torch.equal(copied, weight) and copied.dtype == torch.bfloat16 and copied.data_ptr() != weight.data_ptr()
    if device == "cuda":
        host = pack.pin(weight.cpu())
        assert host.is_pinned() and torch.equal(host.cpu(), weight.cpu())
        assert torch.equal(pack.copy_to_device_of(host, rand(1)), weight)
    q, k, v = rand(1, 3, 50, 16), rand(1, 3, 60, 16), rand(1, 3, 60, 16)
    mask = torch.rand(1, 1, 50, 60, generator=g).to(device) > 0.3
    mask[..., 0] = True
    torch.testing.assert_close(pack.sdpa(q, k, v), F.scaled_dot_product_attention(q, k, v))
    torch.testing.assert_close(pack.sdpa_masked(q, k, v, mask),
                               F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    video = rand(2, 8, 3, 5, 4)
    weight, bias = rand(8), rand(8)
    torch.testing.assert_close(pack.group_norm(video, 4, weight, bias, 1e-6),
                               F.group_norm(video, 4, weight, bias, 1e-6))
    assert torch.equal(pack.replicate_pad(video, [1, 1, 1, 1, 2, 0]),
                       F.pad(video, [1, 1, 1, 1, 2, 0], mode="replicate"))
    if device == "cuda":
        tokens, heads, dim = 19_000, 24, 128
        q, k, v = (torch.randn(1, heads, tokens, dim, device=device, dtype=torch.bfloat16) for _ in range(3))
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        pack.sdpa(q, k, v)
        torch.cuda.synchronize()
        extra = torch.cuda.max_memory_allocated() - before
        scores = heads * tokens * tokens * 2
        assert extra < scores / 50, f"attention used {extra} bytes, the score matrix has {scores}"
        print(f"sdpa at {tokens} tokens: {extra / 2**20:.0f} MiB beyond its inputs (scores: {scores / 2**30:.1f} GiB)")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_kernel_pack.py OUT.pt")
    pack = torch.jit.script(KernelPack().eval())
    check(pack, "cpu")
    if torch.cuda.is_available():
        check(pack, "cuda")
    pack.save(sys.argv[1])
    print(f"wrote {sys.argv[1]} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
