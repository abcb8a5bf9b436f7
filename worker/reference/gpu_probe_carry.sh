#!/bin/bash
# Builds, and on the GPU machine runs, what the reference scripts in this folder need there: the
# official FramePack's diffusers_helper and diffusers v0.33.1's src (the official pin). Both are
# fetched code, so they live in the ignored folder .gpu-carry/py and are never committed.
#
#   worker/reference/gpu_probe_carry.sh pack FRAMEPACK_GIT DIFFUSERS_GIT [CHECKOUT]
#       FRAMEPACK_GIT: a git directory of lllyasviel/FramePack; DIFFUSERS_GIT: one of huggingface/diffusers
#       holding the tag v0.33.1. Writes .gpu-carry/py (about 1 MB: both trees and this folder's scripts)
#       under CHECKOUT (default: this one; the device tools send the checkout a session started in).
#   bash .gpu-carry/py/gpu_probe_carry.sh run SCRIPT [ARGS...]          (on the GPU machine, carry .gpu-carry/py)
#       Unpacks both trees, checks torch, CUDA and the diffusers import, then runs
#       `python3 SCRIPT FRAMEPACK_DIR DIFFUSERS_SRC ARGS...`; its log and the device facts go to $OUT.
set -o pipefail
DIFFUSERS_TAG=v0.33.1

pack() {
    local framepack=$1 diffusers=$2 root target carry
    root=$(git rev-parse --show-toplevel) || exit 2
    target=$(cd "${3:-$root}" && git rev-parse --show-toplevel) || exit 2
    carry=$target/.gpu-carry/py
    # Fetched code must never reach a commit: refuse unless git ignores the folder.
    git -C "$target" check-ignore -q .gpu-carry/py \
        || { echo "add .gpu-carry/ to $(git -C "$target" rev-parse --git-common-dir)/info/exclude first" >&2; exit 2; }
    rm -rf "$carry" && mkdir -p "$carry" || exit 2
    # This branch's reference scripts travel with the carry: the checkout sent may be another one.
    cp "$root"/worker/reference/*.py "$root"/worker/reference/gpu_render_session.sh "$carry/" || exit 2
    git --git-dir="$framepack" archive --format=tar HEAD diffusers_helper | xz -9 > "$carry/framepack.tar.xz" || exit 2
    git --git-dir="$diffusers" archive --format=tar "$DIFFUSERS_TAG" src | xz -9 > "$carry/diffusers-src.tar.xz" || exit 2
    cp "$0" "$carry/gpu_probe_carry.sh"
    echo "FramePack $(git --git-dir="$framepack" rev-parse HEAD), diffusers $DIFFUSERS_TAG" \
         "$(git --git-dir="$diffusers" rev-parse "$DIFFUSERS_TAG^{commit}")" | tee "$carry/SOURCES"
    du -sh "$carry"
}

run() {
    local here work=/tmp/framepack-reference
    [ -n "$OUT" ] && [ $# -ge 1 ] || { echo "usage: OUT=DIR $0 run SCRIPT [ARGS...]" >&2; exit 2; }
    here=$(cd "$(dirname "$0")" && pwd)
    rm -rf "$work" && mkdir -p "$work/framepack" "$work/diffusers" || exit 2
    tar -xJf "$here/framepack.tar.xz" -C "$work/framepack" || exit 2
    tar -xJf "$here/diffusers-src.tar.xz" -C "$work/diffusers" || exit 2
    { date -u; cat "$here/SOURCES"
      nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv; } | tee "$OUT/device.txt"
    python3 - "$work/framepack" "$work/diffusers/src" <<'PY' 2>&1 | tee -a "$OUT/device.txt" || exit 3
import sys
import torch
assert torch.cuda.is_available(), "torch sees no CUDA device"
print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(),
      torch.cuda.get_device_name(), "compute capability", torch.cuda.get_device_capability())
sys.path[:0] = sys.argv[1:]
import diffusers
from diffusers_helper.models.hunyuan_video_packed import HunyuanVideoTransformer3DModelPacked  # noqa: F401
print("diffusers", diffusers.__version__, "and the official transformer import")
PY
    local script=$1
    shift
    PYTHONUNBUFFERED=1 python3 "$script" "$work/framepack" "$work/diffusers/src" "$@" 2>&1 \
        | tee "$OUT/$(basename "$script" .py).log"
}

case $1 in
    pack) [ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: $0 pack FRAMEPACK_GIT DIFFUSERS_GIT [CHECKOUT]" >&2; exit 2; }
        pack "$2" "$3" "$4" ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 pack FRAMEPACK_GIT DIFFUSERS_GIT [CHECKOUT] | run SCRIPT [ARGS...]" >&2; exit 2 ;;
esac
