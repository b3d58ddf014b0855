#!/usr/bin/env bash
# MPI.NET 1.4.0 on MPICH against the same C calls on MPICH, and our Open MPI binding against C on
# Open MPI (issue 13; results in bench/RESULTS.md, "MPI.NET 1.4.0 on MPICH vs our Open MPI binding").
# One round runs, back to back:
#   c-mpich        bench/mpi/collectives.c built with mpicc.mpich, under mpirun.mpich
#   mpinet-high    bench/mpi/mpinet high: MPI.NET's Intracommunicator API, under mpirun.mpich
#   mpinet-raw     bench/mpi/mpinet raw:  MPI.NET's P/Invoke layer MPI.Unsafe, under mpirun.mpich
#   c-openmpi      collectives.c built with mpicc.openmpi, under mpirun.openmpi
#   remit-openmpi  remit bench allreduce (our binding; in-place all-reduce only), under mpirun.openmpi
# and even rounds run them in reverse order, so that load from other jobs falls on both sides alike.
# Each program checks exact sums before timing and aborts on a wrong value. Every JSON line, tagged
# with program and round, goes to OUT/results.jsonl (full log: OUT/log.txt); bench/mpi/summarize.py
# then prints medians and ranges and the MPI.NET / C ratios per round.
# Launch: mpirun's defaults (Open MPI binds 2 ranks to cores, MPICH's hydra does not bind); the C
# program and MPI.NET always share a launcher, so their ratio does not depend on it.
# Needs: mpich libmpich-dev openmpi-bin libopenmpi-dev (Debian), python3, the .NET 10 SDK. Not in CI.
#   bench/mpi/mpinet.sh [OUT=mktemp] [rounds=3] [MiB list=1,4,16,64] [MiB moved per case=256] [np=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d)} rounds=${2:-3} sizes=${3:-1,4,16,64} moved=${4:-256} np=${5:-2}
mkdir -p "$out"

for tool in mpicc.mpich mpirun.mpich mpicc.openmpi mpirun.openmpi; do
  command -v "$tool" >/dev/null || { echo "mpinet.sh: $tool not found; apt-get install mpich libmpich-dev openmpi-bin libopenmpi-dev" >&2; exit 1; }
done
mpicc.mpich -O2 -o "$out/collectives-mpich" bench/mpi/collectives.c
mpicc.openmpi -O2 -o "$out/collectives-openmpi" bench/mpi/collectives.c
dotnet build bench/mpi/mpinet/MpiNetBench.csproj -c Release -nologo -clp:ErrorsOnly
mpinet=bench/mpi/mpinet/bin/Release/net10.0/linux-x64/mpinet-bench.dll
remit=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit.dll
[ -f "$remit" ] || dotnet build src/ReMiT.Cli/ReMiT.Cli.csproj -c Release -nologo -clp:ErrorsOnly

# Open MPI under root in a container refuses to start without these; --oversubscribe: np may exceed the cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export TERM=dumb  # mpirun gives ranks a pty; without this .NET prefixes its output with terminal escapes
run() {  # run PROGRAM ROUND EXTRA_JSON_FIELDS COMMAND...: keeps the JSON lines, tagged; stops at a failure
  local program=$1 round=$2 extra=$3 status=0; shift 3
  echo "== round $round $program: $*" >> "$out/log.txt"
  "$@" > "$out/last.txt" 2>>"$out/log.txt" || status=$?
  cat "$out/last.txt" >> "$out/log.txt"
  if (( status != 0 )); then echo "mpinet.sh: round $round $program exited $status; see $out/log.txt" >&2; exit 1; fi
  grep '^{' "$out/last.txt" | sed "s/^{/{\"program\":\"$program\",\"round\":$round,$extra/" >> "$out/results.jsonl"
}
c_mpich() { run c-mpich "$1" "" mpirun.mpich -np "$np" "$out/collectives-mpich" "$sizes" "$moved"; }
mpinet_high() { run mpinet-high "$1" "" mpirun.mpich -np "$np" dotnet "$mpinet" high "$sizes" "$moved"; }
mpinet_raw() { run mpinet-raw "$1" "" mpirun.mpich -np "$np" dotnet "$mpinet" raw "$sizes" "$moved"; }
c_openmpi() { run c-openmpi "$1" "" mpirun.openmpi --oversubscribe -np "$np" "$out/collectives-openmpi" "$sizes" "$moved"; }
remit_openmpi() {  # one size per start; the same iteration count as collectives.c: max(8, moved / size)
  local mib
  for mib in ${sizes//,/ }; do
    # remit's line has no op or mode: it is always the in-place all-reduce.
    run remit-openmpi "$1" '"op":"allreduce","mode":"in-place",' mpirun.openmpi --oversubscribe -np "$np" dotnet "$remit" bench allreduce \
      --mb "$mib" --iters $(( moved / mib > 8 ? moved / mib : 8 )) --json
  done
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/log.txt"
echo "MPICH $(mpichversion | awk '/Version/ {print $NF}') ($(mpichversion | awk '/Device/ {print $NF}')), Open MPI $(mpirun.openmpi --version | head -1 | awk '{print $NF}'), np $np, sizes $sizes MiB, $moved MiB moved per case" | tee -a "$out/log.txt"
steps=(c_mpich mpinet_high mpinet_raw c_openmpi remit_openmpi)
for round in $(seq "$rounds"); do
  order=("${steps[@]}")
  if (( round % 2 == 0 )); then order=(remit_openmpi c_openmpi mpinet_raw mpinet_high c_mpich); fi
  for step in "${order[@]}"; do "$step" "$round"; done
  echo "round $round done, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/log.txt"
done
python3 bench/mpi/summarize.py "$out/results.jsonl" | tee "$out/summary.md"
echo "results: $out"
