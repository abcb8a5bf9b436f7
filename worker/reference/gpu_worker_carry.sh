#!/bin/bash
# Builds, and on the GPU machine runs, what the Java worker needs there (see
# ../shared/docs/gpu-machine.md): a jlinked JRE, the jars `bench` loads, the worker's launcher, and
# DJL v0.36.0's JNI sources with their header, to be compiled there against the machine's libtorch by
# src/images/build-djl-jni.sh (the same build as the CUDA image's JNI).
# DJL's sources are fetched code, so all of it lives in the ignored folders .gpu-carry/java and
# .gpu-carry/render and is never committed.
#
#   worker/reference/gpu_worker_carry.sh pack DJL_GIT [CHECKOUT]
#       DJL_GIT: a git directory of deepjavalibrary/djl holding the tag v0.36.0. Needs JDK 17 (jlink,
#       javac) and `mvn -B -ntp -o install -DskipTests -pl api,worker` done in this checkout. Writes
#       .gpu-carry/java (what `bench transformer` and `bench vae` need, about 24 MB) and
#       .gpu-carry/render (what `bench render` needs beside it: DJL's tokenizers and JavaCV with
#       FFmpeg, linux-x86_64 only, about 25 MB) under CHECKOUT (default: this one; the device tools
#       send the checkout a session started in, which may be another worktree of the repository).
#       The two are carried in separate calls when the checkout and both together pass the 64 MiB a
#       call may send: a machine keeps what was unpacked while it stays warm.
#   bash .gpu-carry/{java,render}/gpu_worker_carry.sh run WORKER_ARGS...   (on the GPU machine)
#       Unpacks what this call carried (either folder, or both), builds the JNI library once per
#       machine, sets DJL's environment, prints the command, then runs `framepack-worker
#       WORKER_ARGS...` on the jars carried in this call or an earlier one on this machine; its
#       output goes to $OUT/worker.log too.
#   bash .gpu-carry/{java,render}/gpu_worker_carry.sh unpack              (on the GPU machine)
#       Only unpacks what was carried into the machine's work folder, for a later call's `run`.
set -o pipefail
DJL_TAG=v0.36.0
DJL_VERSION=0.36.0
# Where the GPU machine keeps the JRE, the JNI library and the render jars between calls.
WORK=/tmp/framepack-java
# The jars `bench` loads (checked on the CPU with `pack`'s classpath tests); the rest of the worker's
# dependencies (libtorch's 112 MB native jar, Kubernetes, S3) stay behind. A name takes every jar of
# that artifact, classifier jars (natives) included.
BENCH_JARS="framepack-api framepack-worker picocli api-$DJL_VERSION pytorch-engine-$DJL_VERSION jna gson slf4j-api
slf4j-simple jackson-databind jackson-annotations jackson-core"
# What `bench render` loads beside them: the LLaMA tokenizer's Rust library, and the MP4 encoder.
RENDER_JARS="tokenizers javacv javacpp ffmpeg"
MODULES=java.base,java.logging,java.management,java.naming,java.sql,java.xml,java.desktop,jdk.unsupported,jdk.crypto.ec,java.net.http,jdk.zipfs

# Copies every jar of the named artifacts from the classpath file $1 (or this checkout's targets) to $2.
copy_jars() {
    local cp=$1 dest=$2 name jars
    shift 2
    for name in "$@"; do
        jars=$(tr ':' '\n' < "$cp" | grep -E "/$name(-[0-9][^/]*)?\.jar$")
        [ -n "$jars" ] || jars=$(ls "$root"/*/target/"$name"-*.jar 2>/dev/null | grep -v -- '-sources' | head -1)
        [ -n "$jars" ] || { echo "no jar for $name" >&2; exit 2; }
        cp $jars "$dest/" || exit 2
    done
}

pack() {
    local djl=$1 root target carry render jar tmp
    root=$(git rev-parse --show-toplevel) || exit 2
    target=$(cd "${2:-$root}" && git rev-parse --show-toplevel) || exit 2
    carry=$target/.gpu-carry/java
    render=$target/.gpu-carry/render
    # Fetched code must never reach a commit: refuse unless git ignores the folders.
    git -C "$target" check-ignore -q .gpu-carry/java && git -C "$target" check-ignore -q .gpu-carry/render \
        || { echo "add .gpu-carry/ to $(git -C "$target" rev-parse --git-common-dir)/info/exclude first" >&2; exit 2; }
    ls "$root"/worker/target/framepack-worker-*.jar >/dev/null || { echo "build the worker first" >&2; exit 2; }
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
    (cd "$root" && mvn -B -ntp -q -o dependency:build-classpath -DincludeScope=runtime \
        -Dmdep.outputFile="$tmp/cp" -pl worker) || exit 2
    rm -rf "$carry" "$render" && mkdir -p "$carry/home/bin" "$carry/home/lib" "$carry/include" "$render" "$tmp/render/lib" \
        || exit 2
    copy_jars "$tmp/cp" "$carry/home/lib" $BENCH_JARS
    copy_jars "$tmp/cp" "$tmp/render/lib" $RENDER_JARS
    cp "$root/worker/src/main/dist/framepack-worker" "$carry/home/bin/" || exit 2
    # The GPU machine is linux-x86_64: the other platforms' libraries are 75 MB of the tokenizers jar
    # and 4 MB of JNA's (what the checkout and a carry may send together is tight).
    for jar in "$tmp"/render/lib/tokenizers-*.jar; do
        zip -q -d "$jar" 'native/lib/linux-aarch64/*' 'native/lib/osx-*' 'native/lib/win-*' || exit 2
    done
    for jar in "$carry"/home/lib/jna-*.jar; do
        unzip -Z1 "$jar" | grep -E '^com/sun/jna/[^/]+/(lib)?jnidispatch\.' | grep -v '^com/sun/jna/linux-x86-64/' \
            | xargs zip -q -d "$jar" || exit 2
    done
    # Uncompressed modules and stripped native libraries: xz then makes the JRE 17 MB instead of 30.
    jlink --strip-debug --no-header-files --no-man-pages --compress=0 --add-modules "$MODULES" \
        --output "$tmp/jre" || exit 2
    strip --strip-unneeded "$tmp"/jre/lib/server/libjvm.so "$tmp"/jre/lib/*.so || exit 2
    # The bench must start on exactly these jars and this JRE: a missing class or module fails here,
    # not on the GPU machine.
    JAVA_HOME=$tmp/jre sh "$carry/home/bin/framepack-worker" bench transformer --help >/dev/null \
        || { echo "bench transformer does not start on the carried jars" >&2; exit 2; }
    JAVA_HOME=$tmp/jre check_render "$carry/home" "$tmp/render/lib" "$tmp/check" "$tmp/cp" || exit 2
    # Natives stored uncompressed inside their jars, so that xz (not zip's deflate) compresses them.
    for jar in "$tmp"/render/lib/*.jar; do
        mkdir -p "$tmp/x" && (cd "$tmp/x" && unzip -q "$jar" && rm "$jar" && zip -q -0 -r -X "$jar" .) && rm -rf "$tmp/x" || exit 2
    done
    tar -C "$tmp/render" -cf - lib | xz -9 -T2 > "$render/render-jars.tar.xz" || exit 2
    cp "$0" "$render/gpu_worker_carry.sh"
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
        | tee "$carry/SOURCES" "$render/SOURCES"
    du -sh "$carry" "$render"
}

# Runs `bench render --model tiny` on the CPU with exactly the carried jars (the bench's and the
# render's) and the JRE in JAVA_HOME, through a home folder like the one `setup` makes on the GPU
# machine, plus libtorch's CPU jars from the classpath file $4 (the machine's torch stands in for them).
check_render() {
    local home=$1 render_lib=$2 check=$3 cp=$4 log
    link_home "$home" "$render_lib" "$check/home" || return 2
    copy_jars "$cp" "$check/home/lib" pytorch-native-cpu pytorch-jni
    log=$(DJL_OFFLINE=true FRAMEPACK_CACHE_DIR="$check/cache" sh "$check/home/bin/framepack-worker" bench render \
        --model tiny --seconds 1 --steps 2 2>&1) \
        || { echo "$log" >&2; echo "bench render does not run on the carried jars" >&2; return 2; }
    echo "$log" | grep '^summary:' || { echo "$log" >&2; return 2; }
}

# A launcher home whose lib/ links every jar of the carried home and of the render jars.
link_home() {
    local home=$1 render_lib=$2 dest=$3
    rm -rf "$dest" && mkdir -p "$dest/bin" "$dest/lib" || return 2
    cp "$home/bin/framepack-worker" "$dest/bin/" || return 2
    ln -s "$home"/lib/*.jar "$dest/lib/" || return 2
    if [ -d "$render_lib" ]; then
        ln -s "$render_lib"/*.jar "$dest/lib/" || return 2
    fi
}

# Unpacks what this call carried (.gpu-carry/java, .gpu-carry/render, both beside the folder $1) into
# $2, which outlives the call while the machine stays warm: a later call may carry the other part only.
unpack() {
    local carried=$1 work=$2
    mkdir -p "$work" || exit 2
    if [ -f "$carried/render/render-jars.tar.xz" ]; then
        rm -rf "$work/render" && mkdir -p "$work/render" \
            && tar -xJf "$carried/render/render-jars.tar.xz" -C "$work/render" || exit 2
    fi
    if [ -f "$carried/java/jre.tar.xz" ]; then
        rm -rf "$work/java" && cp -r "$carried/java" "$work/java" || exit 2
        [ -x "$work/jre/bin/java" ] || tar -xJf "$carried/java/jre.tar.xz" -C "$work" || exit 2
    fi
}

setup() {
    local work=$2 here torch_lib version flavor jni cudart
    unpack "$(dirname "$1")" "$work"
    here=$work/java
    [ -x "$work/jre/bin/java" ] || { echo "no JRE: carry .gpu-carry/java (in this call or an earlier one)" >&2; exit 2; }
    # The launcher's lib/ is the bench's jars plus the render's, carried in this call or an earlier one.
    link_home "$here/home" "$work/render/lib" "$work/home" || exit 2
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
    local here work=$WORK
    [ -n "$OUT" ] && [ $# -ge 1 ] || { echo "usage: OUT=DIR $0 run WORKER_ARGS..." >&2; exit 2; }
    here=$(cd "$(dirname "$0")" && pwd)
    setup "$here" "$work"
    { echo "+ framepack-worker $*   ($(date -u +%H:%M:%S), $(nvidia-smi --query-gpu=name --format=csv,noheader)," \
        "torch $PYTORCH_VERSION $PYTORCH_FLAVOR, PYTORCH_CUDA_ALLOC_CONF default of the launcher)"
      sh "$work/home/bin/framepack-worker" "$@" 2>&1; } | tee -a "$OUT/worker.log"
}

case $1 in
    pack) [ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $0 pack DJL_GIT [CHECKOUT]" >&2; exit 2; }; pack "$2" "$3" ;;
    run) shift; run "$@" ;;
    unpack) unpack "$(dirname "$(cd "$(dirname "$0")" && pwd)")" "$WORK" && ls "$WORK" ;;
    *) echo "usage: $0 pack DJL_GIT [CHECKOUT] | run WORKER_ARGS... | unpack" >&2; exit 2 ;;
esac
