#!/usr/bin/env bash
# Builds the CPU worker image with Jib and runs a demo render inside it, with neither a registry
# nor a container runtime: the base image is a Debian bookworm root filesystem made by debootstrap
# (with openjdk-17-jre-headless), handed to Jib as a docker-archive tar (tar://); the built image's
# layers are unpacked and `framepack-worker generate --demo` runs in a chroot as the image's user.
# Needs root, debootstrap and the Debian mirror. Usage: src/images/verify-worker-image.sh [workdir]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-/tmp/framepack-image-check}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$work"

base_root="$work/base-rootfs"
if [ ! -x "$base_root/usr/bin/java" ]; then
  rm -rf "$base_root"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$base_root" "$mirror"
fi

# A docker-archive with one layer: what `docker save` writes, and what Jib reads as tar://.
archive="$work/base-archive"
rm -rf "$archive" && mkdir -p "$archive"
tar --numeric-owner --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -C "$base_root" -cf "$archive/layer.tar" .
layer_digest="sha256:$(sha256sum "$archive/layer.tar" | cut -d' ' -f1)"
cat > "$archive/config.json" <<JSON
{"architecture": "amd64", "os": "linux",
 "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
 "rootfs": {"type": "layers", "diff_ids": ["$layer_digest"]}}
JSON
echo '[{"Config": "config.json", "RepoTags": ["local/debian-jre17:bookworm"], "Layers": ["layer.tar"]}]' > "$archive/manifest.json"
tar -C "$archive" -cf "$work/base.tar" manifest.json config.json layer.tar

(cd "$repo" && mvn -B -ntp -q -pl worker -am package -DskipTests -Pimage -Dworker.image.base="tar://$work/base.tar")
image_tar="$repo/worker/target/jib-image.tar"

# Unpack the image: its layers in manifest order, like a container runtime would.
image_root="$work/image-rootfs"
unpacked="$work/image-archive"
rm -rf "$image_root" "$unpacked" && mkdir -p "$image_root" "$unpacked"
tar -C "$unpacked" -xf "$image_tar"
python3 - "$unpacked" "$image_root" <<'PY'
import json, subprocess, sys
archive, root = sys.argv[1], sys.argv[2]
manifest = json.load(open(f"{archive}/manifest.json"))[0]
for layer in manifest["Layers"]:
    subprocess.run(["tar", "--numeric-owner", "-C", root, "-xzf" if layer.endswith("gz") else "-xf", f"{archive}/{layer}"], check=True)
config = json.load(open(f"{archive}/{manifest['Config']}"))["config"]
with open(f"{archive}/run.env", "w") as env:
    for line in config.get("Env", []):
        env.write(line + "\n")
print("image user", config.get("User"), "entrypoint", config.get("Entrypoint"), "workdir", config.get("WorkingDir"))
PY

mkdir -p "$image_root/proc" "$image_root/dev" "$image_root/tmp"
chmod 1777 "$image_root/tmp"
mount --bind /proc "$image_root/proc"
mount --bind /dev "$image_root/dev"
trap 'umount "$image_root/proc" "$image_root/dev" 2>/dev/null || true' EXIT
env -i $(cat "$unpacked/run.env") chroot --userspec=1000:1000 "$image_root" /bin/sh -c \
  'cd /tmp && framepack-worker generate --demo --progress json --out /tmp/demo.mp4' | tail -3
test -s "$image_root/tmp/demo.mp4"
head -c 12 "$image_root/tmp/demo.mp4" | grep -q ftyp
echo "OK: the worker image runs a demo render: $(stat -c %s "$image_root/tmp/demo.mp4") bytes of MP4"
