#!/usr/bin/env bash
# The .NET Open MPI binding against plain C: `remit bench allreduce` and bench/mpi/allreduce.c time
# the same in-place float32 MPI_Allreduce, alternating, ROUNDS times each.
# Needs openmpi-bin and mpicc (libopenmpi-dev). Results go in bench/RESULTS.md by hand.
#   bench/mpi/run.sh [MiB=64] [iters=20] [np=2] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
mib=${1:-64} iters=${2:-20} np=${3:-2} rounds=${4:-3}

command -v mpicc >/dev/null || { echo "run.sh: mpicc not found; install libopenmpi-dev" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpicc -O2 -o "$tmp/allreduce" bench/mpi/allreduce.c
remit=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit.dll
[ -f "$remit" ] || dotnet build src/ReMiT.Cli/ReMiT.Cli.csproj -c Release -nologo -clp:ErrorsOnly

# Root in a container: mpirun refuses without these. --oversubscribe: np may exceed the cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export TERM=dumb  # mpirun gives ranks a pty; without this .NET prefixes its output with terminal escapes
launch() { mpirun --oversubscribe -np "$np" "$@"; }
busbw() { grep -o '"bus_bandwidth":[0-9.eE+-]*' | cut -d: -f2; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Open MPI $(mpirun --version | head -1 | awk '{print $NF}')"
for round in $(seq "$rounds"); do
  c=$(launch "$tmp/allreduce" "$mib" "$iters" | tee /dev/stderr | busbw)
  net=$(launch dotnet "$remit" bench allreduce --mb "$mib" --iters "$iters" | tee /dev/stderr | busbw)
  awk -v r="$round" -v c="$c" -v n="$net" 'BEGIN { printf "round %d: busbw C %.2f GB/s, .NET %.2f GB/s, .NET/C %.2f\n", r, c, n, n / c }'
done
