#!/bin/bash
# The whole-render comparison on the GPU machine (src/docs/performance.md, "Whole render"), as calls of
# the device tools in one lease. The checkout plus all carries pass the 64 MiB one call may send, so
# the carries travel in two calls; the machine keeps /tmp while it stays warm (30 s between calls).
#
#   call 1, carry .gpu-carry/java and .gpu-carry/py:
#       bash .gpu-carry/py/gpu_render_session.sh prepare && bash .gpu-carry/py/gpu_probe_carry.sh run \
#           .gpu-carry/py/official_render_bench.py /tmp/fp-model --image /tmp/fp-square.png --seconds 3
#   call 2, carry .gpu-carry/render:
#       bash .gpu-carry/render/gpu_worker_carry.sh run bench render --model full --model-dir /tmp/fp-model \
#           --device gpu --image /tmp/fp-square.png --seconds 3 --steps 25
#   call 3: the same with --seconds 60 --steps 1; call 4: that with --gpu-memory 22.
#
#   bash gpu_render_session.sh prepare      (on the GPU machine; $OUT set by the device tools)
#       Unpacks the Java carry for later calls, prints the machine's facts, writes the random model
#       at the released sizes to /tmp/fp-model (once per machine) and a 640x640 start image (the
#       640 bucket, latent 80x80, as in the transformer figures) to /tmp/fp-square.png.
set -o pipefail
MODEL=/tmp/fp-model
IMAGE=/tmp/fp-square.png

prepare() {
    local here repo
    here=$(cd "$(dirname "$0")" && pwd)
    repo=$(cd "$here/../.." && pwd)
    [ -n "$OUT" ] || { echo "OUT is not set" >&2; exit 2; }
    for part in java render; do
        if [ -f "$here/../$part/gpu_worker_carry.sh" ]; then
            bash "$here/../$part/gpu_worker_carry.sh" unpack || exit 2
        fi
    done
    { date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
      df -h /tmp | tail -1; free -g | sed -n 2p
      python3 - <<'PY'
import importlib
for name in ("torch", "transformers", "safetensors", "av", "PIL", "einops"):
    try:
        print(name, getattr(importlib.import_module(name), "__version__", "present"))
    except ImportError as e:
        print(name, "missing:", e)
PY
    } 2>&1 | tee "$OUT/machine.txt"
    if [ ! -f "$MODEL/framepack/config.json" ]; then
        rm -rf "$MODEL"
        python3 "$here/random_full_model.py" "$repo/worker/src/main/resources/framepack/demo-model" "$MODEL" 2>&1 \
            | tee "$OUT/random_model.log" || exit 3
    fi
    du -sh "$MODEL"
    python3 -c "
import numpy as np
from PIL import Image
Image.fromarray((np.random.default_rng(0).random((640, 640, 3)) * 255).astype(np.uint8)).save('$IMAGE')
" || exit 3
}

case $1 in
    prepare) prepare ;;
    *) echo "usage: $0 prepare" >&2; exit 2 ;;
esac
