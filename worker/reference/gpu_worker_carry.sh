#!/bin/bash
# Builds, and on the GPU machine runs, what the Java worker needs there (see
# ../shared/docs/gpu-machine.md): a jlinked JRE, the jars `bench` loads, the worker's launcher, and
# DJL v0.36.0's JNI sources with their header, to be compiled there against the machine's libtorch by
# src/images/build-djl-jni.sh (the same build as the CUDA image's JNI).
# DJL's sources are fetched code, so all of it lives in the ignored folder .gpu-carry/java and is never
# committed.
#
#   worker/reference/gpu_worker_carry.sh pack DJL_GIT [CHECKOUT]
#       DJL_GIT: a git directory of deepjavalibrary/djl holding the tag v0.36.0. Needs JDK 17 (jlink,
#       javac) and `mvn -B -ntp -o package -DskipTests -pl api,worker` done in this checkout. Writes
#       .gpu-carry/java (about 25 MB) under CHECKOUT (default: this one; the device tools send the
#       checkout a session started in, which may be another worktree of the repository).
#   bash .gpu-carry/java/gpu_worker_carry.sh run WORKER_ARGS...        (on the GPU machine, carry .gpu-carry/java)
#       Unpacks the JRE, builds the JNI library once per machine, sets DJL's environment, prints
#       the command, then runs `framepack-worker WORKER_ARGS...`; its output goes to $OUT/worker.log too.
set -o pipefail
DJL_TAG=v0.36.0
DJL_VERSION=0.36.0
# The jars `bench` loads (checked on the CPU with `pack`'s classpath test); the rest of the worker's
# dependencies (libtorch's 112 MB native jar, FFmpeg, tokenizers, Kubernetes, S3) stay behind.
BENCH_JARS="framepack-api framepack-worker picocli api-$DJL_VERSION pytorch-engine-$DJL_VERSION jna gson slf4j-api
slf4j-simple jackson-databind jackson-annotations jackson-core"
MODULES=java.base,java.logging,java.management,java.naming,java.sql,java.xml,java.desktop,jdk.unsupported,jdk.crypto.ec,java.net.http,jdk.zipfs

pack() {
    local djl=$1 root target carry jar name tmp
    root=$(git rev-parse --show-toplevel) || exit 2
    target=$(cd "${2:-$root}" && git rev-parse --show-toplevel) || exit 2
    carry=$target/.gpu-carry/java
    # Fetched code must never reach a commit: refuse unless git ignores the folder.
    git -C "$target" check-ignore -q .gpu-carry/java \
        || { echo "add .gpu-carry/ to $(git -C "$target" rev-parse --git-common-dir)/info/exclude first" >&2; exit 2; }
    ls "$root"/worker/target/framepack-worker-*.jar >/dev/null || { echo "build the worker first" >&2; exit 2; }
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
    (cd "$root" && mvn -B -ntp -q -o dependency:build-classpath -DincludeScope=runtime \
        -Dmdep.outputFile="$tmp/cp" -pl worker) || exit 2
    rm -rf "$carry" && mkdir -p "$carry/home/bin" "$carry/home/lib" "$carry/include" || exit 2
    for name in $BENCH_JARS; do
        jar=$(tr ':' '\n' < "$tmp/cp" | grep -E "/$name(-[0-9][^/]*)?\.jar$" | head -1)
        [ -n "$jar" ] || jar=$(ls "$root"/*/target/"$name"-*.jar 2>/dev/null | grep -v -- '-sources' | head -1)
        [ -n "$jar" ] || { echo "no jar for $name" >&2; exit 2; }
        cp "$jar" "$carry/home/lib/" || exit 2
    done
    # The bundled demo model is for `generate --demo`, not for the bench.
    zip -q -d "$carry"/home/lib/framepack-worker-*.jar 'framepack/demo-model/*' || exit 2
    cp "$root/worker/src/main/dist/framepack-worker" "$carry/home/bin/" || exit 2
    # The bench must start on exactly these jars: a missing class fails here, not on the GPU machine.
    sh "$carry/home/bin/framepack-worker" bench transformer --help >/dev/null \
        || { echo "bench does not start on the carried jars" >&2; exit 2; }
    # Uncompressed modules and stripped native libraries: xz then makes the JRE 17 MB instead of 30.
    jlink --strip-debug --no-header-files --no-man-pages --compress=0 --add-modules "$MODULES" \
        --output "$tmp/jre" || exit 2
    strip --strip-unneeded "$tmp"/jre/lib/server/libjvm.so "$tmp"/jre/lib/*.so || exit 2
    tar -C "$tmp" -cf - jre | xz -9 -T2 > "$carry/jre.tar.xz" || exit 2
    git --git-dir="$djl" archive --format=tar "$DJL_TAG" engines/pytorch/pytorch-native/CMakeLists.txt \
        engines/pytorch/pytorch-native/src/main/native api/src/main/native | xz -9 > "$carry/djl-jni-src.tar.xz" || exit 2
    # The JNI header is generated from the engine's Java declarations (the GPU machine has no JDK).
    mkdir -p "$tmp/engine" "$tmp/classes"
    git --git-dir="$djl" archive --format=tar "$DJL_TAG" engines/pytorch/pytorch-engine/src/main/java | tar -x -C "$tmp/engine" || exit 2
    javac -cp "$carry/home/lib/*" -sourcepath "$tmp/engine/engines/pytorch/pytorch-engine/src/main/java" -h "$carry/include" \
        -d "$tmp/classes" "$tmp/engine/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" || exit 2
    local jdk
    jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    mkdir -p "$carry/include/linux"
    cp "$jdk/include/jni.h" "$carry/include/" && cp "$jdk/include/linux/jni_md.h" "$carry/include/linux/" || exit 2
    cp "$0" "$carry/gpu_worker_carry.sh" && cp "$root/src/images/build-djl-jni.sh" "$carry/" || exit 2
    echo "DJL $DJL_TAG $(git --git-dir="$djl" rev-parse "$DJL_TAG^{commit}"), worker $(git -C "$root" rev-parse HEAD)" \
        | tee "$carry/SOURCES"
    du -sh "$carry"
}

setup() {
    local here=$1 work=$2 torch_lib version flavor jni cudart
    mkdir -p "$work" || exit 2
    [ -x "$work/jre/bin/java" ] || tar -xJf "$here/jre.tar.xz" -C "$work" || exit 2
    torch_lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))') || exit 3
    version=$(python3 -c 'import torch; print(torch.__version__.split("+")[0])')
    flavor=$(python3 -c 'import torch; v = torch.__version__; print(v.split("+")[1] if "+" in v else "cpu")')
    # DJL looks for its JNI library under a folder named by libtorch's version and flavor.
    jni=$work/djl/pytorch/$version-$flavor-linux-x86_64/$DJL_VERSION-libdjl_torch.so
    if [ ! -f "$jni" ]; then
        mkdir -p "$work/src" && tar -xJf "$here/djl-jni-src.tar.xz" -C "$work/src" || exit 2
        DJL_JNI_INCLUDE=$here/include DJL_JVM_LIBRARY=$work/jre/lib/server/libjvm.so TORCH_CUDA_ARCH_LIST=9.0 \
            bash "$here/build-djl-jni.sh" "$work/src" "$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')" \
            "$jni" > "$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log"; exit 4; }
    fi
    # DJL's GPU memory query loads cudart through JNA by its plain name.
    cudart=$(find "$torch_lib/.." "$torch_lib/../../nvidia" -name 'libcudart.so.*' 2>/dev/null | head -1)
    mkdir -p "$work/jna" && ln -sf "$cudart" "$work/jna/libcudart.so"
    export JAVA_HOME=$work/jre PYTORCH_LIBRARY_PATH=$torch_lib PYTORCH_VERSION=$version PYTORCH_FLAVOR=$flavor
    export DJL_CACHE_DIR=$work/djl DJL_OFFLINE=true FRAMEPACK_CACHE_DIR=$work/cache
    export FRAMEPACK_JAVA_OPTS="-Xmx16g -Djna.library.path=$work/jna"
}

run() {
    local here work=/tmp/framepack-java
    [ -n "$OUT" ] && [ $# -ge 1 ] || { echo "usage: OUT=DIR $0 run WORKER_ARGS..." >&2; exit 2; }
    here=$(cd "$(dirname "$0")" && pwd)
    setup "$here" "$work"
    { echo "+ framepack-worker $*   ($(date -u +%H:%M:%S), $(nvidia-smi --query-gpu=name --format=csv,noheader)," \
        "torch $PYTORCH_VERSION $PYTORCH_FLAVOR, PYTORCH_CUDA_ALLOC_CONF default of the launcher)"
      sh "$here/home/bin/framepack-worker" "$@" 2>&1; } | tee -a "$OUT/worker.log"
}

case $1 in
    pack) [ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $0 pack DJL_GIT [CHECKOUT]" >&2; exit 2; }; pack "$2" "$3" ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 pack DJL_GIT [CHECKOUT] | run WORKER_ARGS..." >&2; exit 2 ;;
esac
