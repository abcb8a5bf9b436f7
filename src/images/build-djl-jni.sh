#!/bin/bash
# Builds DJL's PyTorch JNI library (libdjl_torch.so) from DJL's sources against a given libtorch: the
# library the CUDA worker image ships (src/docs/images.md) and the GPU machine's benchmark carry
# (worker/reference/gpu_worker_carry.sh) both come out of this one cmake invocation.
#
#   src/images/build-djl-jni.sh DJL_SRC TORCH_PREFIX OUTPUT
#     DJL_SRC       a checkout of deepjavalibrary/djl at tag v0.36.0; it needs engines/pytorch/pytorch-native
#                   and api/src/main/native, and engines/pytorch/pytorch-engine's Java sources unless the JNI
#                   header comes with DJL_JNI_INCLUDE. A git checkout must be at that tag.
#     TORCH_PREFIX  the unpacked libtorch (the folder holding lib/ and share/cmake/), or what
#                   torch.utils.cmake_prefix_path says for a Python torch
#     OUTPUT        the library to write, e.g. .../0.36.0-libdjl_torch.so
#   Environment:
#     JAVA_HOME             a JDK 17: jni.h, libjvm.so, and javac to generate the JNI header
#     DJL_JNI_INCLUDE       instead of a JDK's: a folder with jni.h, linux/jni_md.h and the generated
#                           ai_djl_pytorch_jni_PyTorchLibrary.h; DJL_JVM_LIBRARY then names a libjvm.so
#     TORCH_CUDA_ARCH_LIST  GPU architectures for libtorch's CMake (default: its own choice)
# Needs cmake 3.18+, a C++17 compiler and, for a CUDA libtorch, the CUDA toolkit of the same major
# version (libtorch's CMake configuration looks for it). Uses ninja where installed. DJL's sources are
# fetched code: build them outside this repository and commit neither them nor the library.
set -euo pipefail

DJL_TAG=v0.36.0

usage() {
    sed -n '6,20p' "$0" >&2
    exit 2
}

[ $# -eq 3 ] || usage
djl=$(cd "$1" && pwd) || exit 2
prefix=$(cd "$2" && pwd) || exit 2
output=$3
native=$djl/engines/pytorch/pytorch-native
if [ ! -f "$native/CMakeLists.txt" ] || [ ! -d "$djl/api/src/main/native" ]; then
    echo "$djl is not a DJL source tree (no engines/pytorch/pytorch-native/CMakeLists.txt)" >&2
    exit 2
fi
# A git checkout must be DJL's own at the tag (an unpacked `git archive` of the tag carries no .git).
if [ "$(git -C "$djl" rev-parse --show-toplevel 2>/dev/null)" = "$djl" ]; then
    head=$(git -C "$djl" rev-parse HEAD)
    tagged=$(git -C "$djl" rev-parse "$DJL_TAG^{commit}" 2>/dev/null) || tagged=none
    [ "$head" = "$tagged" ] || { echo "$djl is at $head, not at DJL's $DJL_TAG ($tagged)" >&2; exit 2; }
fi
[ -f "$prefix/share/cmake/Torch/TorchConfig.cmake" ] || [ -f "$prefix/Torch/TorchConfig.cmake" ] \
    || { echo "$prefix holds no Torch CMake configuration (share/cmake/Torch/TorchConfig.cmake)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${DJL_JNI_INCLUDE:-}" ]; then
    include=$(cd "$DJL_JNI_INCLUDE" && pwd)
    jvm=${DJL_JVM_LIBRARY:?DJL_JNI_INCLUDE needs DJL_JVM_LIBRARY (a libjvm.so)}
    header_dir=$include
else
    if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/javac" ]; then
        echo "set JAVA_HOME to a JDK 17, or DJL_JNI_INCLUDE and DJL_JVM_LIBRARY" >&2
        exit 2
    fi
    include=$JAVA_HOME/include
    jvm=$JAVA_HOME/lib/server/libjvm.so
    # The header declares the native methods of the engine's Java class; javac writes it.
    header_dir=$work/include
    "$JAVA_HOME/bin/javac" -h "$header_dir" -d "$work/classes" \
        "$djl/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
fi
for file in "$include/jni.h" "$include/linux/jni_md.h" "$header_dir/ai_djl_pytorch_jni_PyTorchLibrary.h" "$jvm"; do
    [ -f "$file" ] || { echo "missing $file" >&2; exit 2; }
done

# DJL compiles its CUDA-only calls (the caching allocator's emptyCache, CUDA streams) only with USE_CUDA.
# The libraries sit in lib/ of an unpacked libtorch, two levels above a Python torch's CMake prefix.
use_cuda=0
if [ -f "$prefix/lib/libtorch_cuda.so" ] || [ -f "$prefix/../../lib/libtorch_cuda.so" ]; then
    use_cuda=1
fi
generator=()
if command -v ninja >/dev/null; then
    generator=(-G Ninja)
fi
# No CMAKE_BUILD_TYPE, as DJL's own build.sh and the measured JNI: the flags are libtorch's.
cmake "${generator[@]}" -Wno-dev -S "$native" -B "$work/build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DUSE_CUDA="$use_cuda" -DCMAKE_CXX_FLAGS="-I$header_dir" \
    -DJAVA_INCLUDE_PATH="$include" -DJAVA_INCLUDE_PATH2="$include/linux" -DJAVA_JVM_LIBRARY="$jvm" \
    -DJAVA_AWT_LIBRARY=NotNeeded -DJAVA_AWT_INCLUDE_PATH=NotNeeded
cmake --build "$work/build" --parallel "$(nproc)"
mkdir -p "$(dirname "$output")"
cp "$work/build/libdjl_torch.so" "$output"
echo "built $output from DJL $DJL_TAG against $(cat "$prefix/build-version" 2>/dev/null || echo "the libtorch in $prefix") (USE_CUDA=$use_cuda)"
