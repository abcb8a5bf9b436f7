#!/bin/bash
# The whole-render comparison on the GPU machine (src/docs/performance.md, "Whole render"), as calls of
# the device tools in one lease. A call sends the checkout plus its carries, 64 MiB at most: with the
# worker's test resources (goldens, checkpoint fixtures: 36 MiB, not needed there) left out of the
# checkout, all three carries travel in one call (53 MiB), and the machine keeps /tmp while it stays
# warm (30 s between calls).
#
#   on the build machine, before the calls:   bash worker/reference/gpu_render_session.sh slim
#   call 1, carry .gpu-carry/java, .gpu-carry/py and .gpu-carry/render:
#       bash .gpu-carry/py/gpu_render_session.sh prepare && R=.gpu-carry/render/gpu_worker_carry.sh &&
#       timeout 200 bash $R run bench render --model tiny --device gpu &&
#       timeout 330 bash $R run bench render --model full --model-dir /tmp/fp-model --device gpu \
#           --image /tmp/fp-square.png --seconds 3 --steps 25
#   call 2: bash .gpu-carry/py/gpu_probe_carry.sh run .gpu-carry/py/official_render_bench.py /tmp/fp-model \
#           --image /tmp/fp-square.png --seconds 3
#   call 3: ours with --seconds 60 --steps 1; call 4: that with --gpu-memory 22.
#   on the build machine, after the calls:    bash worker/reference/gpu_render_session.sh unslim
#
#   bash gpu_render_session.sh prepare      (on the GPU machine; $OUT set by the device tools)
#       Unpacks the Java carry for later calls, prints the machine's facts, writes the random model
#       at the released sizes to /tmp/fp-model (once per machine) and a 640x640 start image (the
#       640 bucket, latent 80x80, as in the transformer figures) to /tmp/fp-square.png.
#   bash gpu_render_session.sh slim | unslim   (on the build machine, in the checkout the calls send)
#       Takes the worker's test resources out of the index and ignores them locally, so a call does
#       not send them; unslim puts them back. Nothing is committed either way.
set -o pipefail
MODEL=/tmp/fp-model
IMAGE=/tmp/fp-square.png
TEST_RESOURCES=worker/src/test/resources

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

# The exclude line and the index change are local to this clone; a commit made while slim would
# delete the resources, so commit only after unslim.
slim() {
    local exclude
    exclude=$(git rev-parse --git-path info/exclude) || exit 2
    git rm -r --cached -q "$TEST_RESOURCES" || exit 2
    grep -qxF "/$TEST_RESOURCES/" "$exclude" || echo "/$TEST_RESOURCES/" >> "$exclude"
}

unslim() {
    local exclude
    exclude=$(git rev-parse --git-path info/exclude) || exit 2
    git reset -q -- "$TEST_RESOURCES" || exit 2
    { grep -vxF "/$TEST_RESOURCES/" "$exclude" || true; } > "$exclude.new" && mv "$exclude.new" "$exclude"
    git status --short -- "$TEST_RESOURCES"
}

case $1 in
    prepare) prepare ;;
    slim) cd "$(git rev-parse --show-toplevel)" && slim ;;
    unslim) cd "$(git rev-parse --show-toplevel)" && unslim ;;
    *) echo "usage: $0 prepare | slim | unslim" >&2; exit 2 ;;
esac
