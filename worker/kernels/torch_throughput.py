"""PyTorch's own figures for the shapes KernelThroughput times through DJL: the reference on a device.

    python torch_throughput.py [--matrix 8192] [--tokens 18293] [--heads 24] [--head-dim 128]
"""
import argparse

import torch
import torch.nn.functional as F


def median_seconds(fn, warmup: int, runs: int) -> float:
    times = []
    for i in range(warmup + runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        if i >= warmup:
            times.append(start.elapsed_time(end) / 1e3)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matrix", type=int, default=8192)
    parser.add_argument("--tokens", type=int, default=18293)
    parser.add_argument("--heads", type=int, default=24)
    parser.add_argument("--head-dim", type=int, default=128)
    args = parser.parse_args()
    n = args.matrix
    a, b = (torch.randn(n, n, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    t = median_seconds(lambda: a @ b, 3, 10)
    print(f"{'torch matmul %dx%dx%d bfloat16' % (n, n, n):40s} {t * 1e3:8.3f} ms  {2 * n ** 3 / t / 1e12:7.1f} TFLOP/s")
    shape = (1, args.heads, args.tokens, args.head_dim)
    q, k, v = (torch.randn(shape, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    t = median_seconds(lambda: F.scaled_dot_product_attention(q, k, v), 2, 5)
    flops = 4 * args.heads * args.tokens ** 2 * args.head_dim
    print(f"{'torch sdpa %dx%dx%d bfloat16' % (args.heads, args.tokens, args.head_dim):40s} {t * 1e3:8.3f} ms"
          f"  {flops / t / 1e12:7.1f} TFLOP/s")


if __name__ == "__main__":
    main()
