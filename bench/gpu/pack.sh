#!/usr/bin/env bash
# Packs a self-contained TorchBackend=external publish of remit (no .NET needed, no libtorch inside: it
# loads the CUDA libtorch of the device's PyTorch from LD_LIBRARY_PATH) as one .tar.xz under 64 MiB,
# to carry to a GPU machine together with bench/gpu/run.sh.
#   bash bench/gpu/pack.sh [OUT.tar.xz]      (default: out/remit-external.tar.xz; unpacks to remit-external/)
set -euo pipefail
cd "$(dirname "$0")/../.."
archive=${1:-out/remit-external.tar.xz}
limit=$((64 * 1024 * 1024))
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

dotnet publish src/ReMiT.Cli -c Release -r linux-x64 --self-contained -p:TorchBackend=external \
  -o "$stage/remit-external" -nologo -clp:ErrorsOnly >&2
natives=$(find "$stage/remit-external" -name 'libtorch*.so*' -o -name 'libc10*.so*' | head -n 5)
if [ -n "$natives" ]; then
  echo "pack.sh: the external publish carries libtorch natives it must not (they come from the device's PyTorch):" >&2
  echo "$natives" >&2
  exit 1
fi
mkdir -p "$(dirname "$archive")"
XZ_OPT=-6 tar -C "$stage" -cJf "$archive" remit-external
size=$(stat -c %s "$archive")
if [ "$size" -ge "$limit" ]; then
  echo "pack.sh: $archive is $((size / 1024 / 1024)) MiB, over the 64 MiB a device call carries" >&2
  exit 1
fi
echo "$archive: $((size / 1024 / 1024)) MiB ($size bytes); unpack with: tar -xJf $(basename "$archive")  ->  remit-external/remit"
