#!/usr/bin/env bash
# Builds the CPU image offline and runs a whole smoke cluster from it, every container set up from
# `helm template` output of helm/remit (cluster/docker/check/chart_pods.py → pod_runner.py): command,
# args, environment, security contexts (uid 10001, read-only root filesystem, no capabilities, no
# privilege escalation), the run volume as a host folder, ConfigMap and Secrets as files, each pod at an
# address of its own on a bridge (198.18.64.0/24) named by its headless-Service DNS name.
#
#   scripts/check-images.sh                 # everything (about 25 min on 2 cores, see cluster/docker/README.md)
#   scripts/check-images.sh build sts       # only some steps: build sts mpijob kill kill-coordinator cuda
#
# Steps: build    the base images (Debian's packages, cached) and the CPU image; prints its size
#        sts      learners as the chart's StatefulSet (pod 0 runs mpirun over ssh to pod 1)
#        mpijob   learners as the MPIJob, with the MPI operator's pods, Secret and hostfile emulated
#        kill     the sts run again, one rollout container killed mid-RL (docker kill) and restarted in
#                 its pod; its models must be byte-identical to the sts run's
#        kill-coordinator  the same with the coordinator's container killed
#        cuda     the CUDA image's build stage (the runtime stage needs the PyTorch CUDA image)
# Every cluster run must end with results.json, experiences lost 0 and every container that ends by
# itself ending with 0; /metrics of every container is scraped during the run and the dashboard's
# queries must find their series in it. Needs root (Docker, veth pairs). Ends with "images: N passed, N failed".
# Environment: REMIT_IMAGES_OUT (default runs/check-images), REMIT_IMAGES_CACHE (default /var/cache/remit-images).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
t0=$(date +%s)
out=${REMIT_IMAGES_OUT:-$root/runs/check-images}
mkdir -p "$out"
out=$(cd "$out" && pwd)
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(build sts mpijob kill kill-coordinator cuda)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
passed=0 failed=0
ok()  { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
summary=()

[ "$(id -u)" = 0 ] || { echo "check-images: needs root (dockerd, veth pairs and bridges)" >&2; exit 2; }
# One check at a time on a machine: the runs share the subnet 198.18.64.0/24 and the image names.
exec 9>/tmp/remit-check-images.lock
flock 9

# ---------------------------------------------------------------- the engine
# dockerd without iptables or a default bridge (containers get their network from pod_runner.py). It runs
# at the lowest priority: builds and the cluster share the machine.
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null; then
    echo "check-images: installing docker.io"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  echo "check-images: starting dockerd (log: /var/log/remit-dockerd.log)"
  # 9>&-: dockerd outlives this script and must not hold its lock (the next check would wait on it forever).
  (setsid nice -n 19 dockerd --iptables=false --ip6tables=false --bridge=none >/var/log/remit-dockerd.log 2>&1 9>&- &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/remit-dockerd.log >&2; echo "check-images: dockerd did not start" >&2; exit 1; }
fi
echo "check-images: $(docker version -f 'docker {{.Server.Version}}, storage {{.Server.Os}}' 2>/dev/null) $(docker info -f '{{.Driver}}')"

app_version=$(awk -F'"' '/^appVersion:/ { print $2 }' helm/remit/Chart.yaml)
cpu_image=remit-check/remit:$app_version-cpu
size_of() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

# ---------------------------------------------------------------- build
if want build || ! docker image inspect "$cpu_image" >/dev/null 2>&1; then
  read -r runtime_base sdk_base < <(bash cluster/docker/check/base-images.sh)
  echo "check-images: base images $runtime_base ($(size_of "$runtime_base")), $sdk_base ($(size_of "$sdk_base"))"
  start=$(date +%s)
  # The legacy builder: BuildKit would fetch the docker/dockerfile frontend named in `# syntax=` from a
  # registry. --network host: the build's apt-get and NuGet restore reach this machine's package mirrors.
  if DOCKER_BUILDKIT=0 nice -n 19 docker build --network host -f cluster/docker/Dockerfile.cpu \
       --build-arg DOTNET_SDK_IMAGE="$sdk_base" --build-arg RUNTIME_IMAGE="$runtime_base" \
       -t "$cpu_image" . >"$out/build-cpu.log" 2>&1; then
    ok "CPU image built: $cpu_image, $(size_of "$cpu_image") ($(( $(date +%s) - start )) s; log $out/build-cpu.log)"
    summary+=("image $cpu_image: $(size_of "$cpu_image"), build $(( $(date +%s) - start )) s")
  else
    tail -30 "$out/build-cpu.log"
    bad "CPU image build (log $out/build-cpu.log)"
    echo "images: ${passed} passed, ${failed} failed"
    exit 1
  fi
  # What must and must not be in the runtime image.
  if why=$(docker run --rm --network none --entrypoint /bin/sh "$cpu_image" -c '
        for f in /app/remit /app/libtorch_cpu.so /app/presets/smoke.json /usr/bin/mpirun /usr/sbin/sshd /usr/bin/ssh; do
          [ -e "$f" ] || { echo "missing $f"; exit 1; }; done
        for f in /usr/share/dotnet /usr/bin/dotnet /usr/bin/gcc /usr/bin/make; do [ ! -e "$f" ] || { echo "has $f"; exit 1; }; done
        [ "$(id -u)" = 10001 ] || { echo "runs as $(id -u)"; exit 1; }'); then
    ok "runtime image: remit, libtorch, presets, mpirun, sshd, ssh; no SDK, no compiler; uid 10001"
  else
    bad "runtime image contents: $why"
  fi
  if info=$(docker run --rm --network none --read-only --tmpfs /tmp -e HOME=/tmp "$cpu_image" info 2>&1) \
     && [[ "$info" == *libtorch_cpu* ]]; then
    ok "remit info in the image (read-only root): $(echo "$info" | grep -m1 -i libtorch)"
  else
    bad "remit info in the image: $info"
  fi
fi

# ---------------------------------------------------------------- cluster runs
helm=$(bash scripts/fetch-helm.sh)
run_dir_of() { echo "$out/$1/volumes/claims/remit-data/runs/remit"; }

# NAME EXPECTED_STOPPED KILL [helm args…]: render, translate, run, check.
scenario() {
  local name=$1 expect_stopped=$2 kill=$3; shift 3
  local dir=$out/$name
  # A run killed with SIGKILL can leave its pods' memory-backed emptyDirs (tmpfs) mounted.
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | xargs -r -n1 umount
  rm -rf "$dir"; mkdir -p "$dir"
  "$helm" template remit helm/remit --namespace ml -f cluster/docker/check/smoke-values.yaml "$@" >"$dir/chart.yaml"
  python3 cluster/docker/check/chart_pods.py "$dir/chart.yaml" ml cluster.local "$dir/pods.json"
  local start; start=$(date +%s)
  local kill_args=()
  [ -z "$kill" ] || kill_args=(--kill "$kill")
  if ! python3 cluster/docker/check/pod_runner.py "$dir/pods.json" "$dir" --until remit-coordinator-0 \
         --run-dir "$(run_dir_of "$name")" "${kill_args[@]}" --timeout 1500 >"$dir/runner.out" 2>&1; then
    tail -30 "$dir/runner.out"; bad "$name: pod_runner failed (see $dir)"; return
  fi
  local wall=$(( $(date +%s) - start ))
  if why=$(python3 - "$dir/report.json" "$(run_dir_of "$name")/results.json" "$expect_stopped" "$kill" <<'PY'
import json, os, sys
report, results, expect_stopped, kill = sys.argv[1], sys.argv[2], set(filter(None, sys.argv[3].split(","))), sys.argv[4]
r = json.load(open(report))
problems = []
stopped = {c["pod"] for c in r["containers"] if c["stopped"]}
if stopped != expect_stopped:
    problems.append(f"stopped at the end: {sorted(stopped)}, expected {sorted(expect_stopped)}")
for c in r["containers"]:
    if not c["stopped"] and c["exit"] != 0:
        problems.append(f"{c['pod']}/{c['container']} exited {c['exit']}")
    killed = kill and c["pod"] == kill.split("|")[0]
    if killed and c["restarts"] < 1:
        problems.append(f"{c['pod']} was not restarted after the kill")
    if not killed and c["restarts"]:
        problems.append(f"{c['pod']}/{c['container']} restarted {c['restarts']} times (exits {c['exits']})")
if not os.path.exists(results):
    problems.append(f"no {results}")
else:
    cluster = json.load(open(results)).get("cluster") or {}
    if cluster.get("experiences_lost") != 0:
        problems.append(f"experiences_lost {cluster.get('experiences_lost')}")
    if cluster.get("learner_ranks") != 2:
        problems.append(f"learner_ranks {cluster.get('learner_ranks')}")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
  ); then
    ok "$name: results.json, experiences lost 0, every container ended 0 (stopped at the end: ${expect_stopped:-none}); wall $wall s"
    summary+=("run $name: wall $wall s")
  else
    bad "$name: $why (logs in $dir/logs)"
  fi
  # The dashboard's queries against what was scraped.
  if why=$(python3 cluster/docker/check/dashboard_series.py helm/remit/dashboards/remit.json "$dir/metrics"); then
    ok "$name: $why"
  else
    bad "$name metrics: $why"
  fi
}

same_models() { # REFERENCE RUN: byte-identical models and the same evaluation rows
  python3 - "$(run_dir_of "$1")" "$(run_dir_of "$2")" <<'PY'
import hashlib, json, os, sys
a, b = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(os.path.join(a, "models")))
diff = [n for n in names if not os.path.exists(os.path.join(b, "models", n, "model.safetensors")) or
        hashlib.sha256(open(os.path.join(a, "models", n, "model.safetensors"), "rb").read()).digest() !=
        hashlib.sha256(open(os.path.join(b, "models", n, "model.safetensors"), "rb").read()).digest()]
rows = lambda d: sorted(json.dumps(r, sort_keys=True) for r in json.load(open(os.path.join(d, "results.json")))["rows"])
if diff or rows(a) != rows(b):
    print(f"models differing: {diff}; rows equal: {rows(a) == rows(b)}"); sys.exit(1)
print(f"{len(names)} models byte-identical ({', '.join(names)}), evaluation rows equal")
PY
}

if want sts; then scenario sts remit-learner-1 ""; fi
if want mpijob; then
  scenario mpijob remit-learners-worker-0,remit-learners-worker-1 "" --set learners.mpiOperator=true
fi
if want kill; then
  want sts || [ -f "$(run_dir_of sts)/results.json" ] || scenario sts remit-learner-1 ""
  # A rollout container killed once RL has published policy 2, as cluster/local's fault test does.
  scenario kill remit-learner-1 "remit-rollout-0|stage 2/12: rl:base|weights/v*|2"
  if why=$(same_models sts kill); then ok "kill: $why, as the unfaulted sts run"; else bad "kill: $why"; fi
fi
if want kill-coordinator; then
  want sts || [ -f "$(run_dir_of sts)/results.json" ] || scenario sts remit-learner-1 ""
  # The coordinator's container killed mid-RL and restarted in its pod: same address, REMIT_RESUME=auto.
  scenario kill-coordinator remit-learner-1 "remit-coordinator-0|stage 2/12: rl:base|weights/v*|2"
  if why=$(same_models sts kill-coordinator); then ok "kill-coordinator: $why, as the unfaulted sts run"; else bad "kill-coordinator: $why"; fi
fi

# ---------------------------------------------------------------- cuda
if want cuda; then
  read -r runtime_base sdk_base < <(bash cluster/docker/check/base-images.sh)
  start=$(date +%s)
  # Only the build stage: the runtime stage starts FROM the PyTorch CUDA image, which only a registry has.
  if DOCKER_BUILDKIT=0 nice -n 19 docker build --network host -f cluster/docker/Dockerfile.cuda --target build \
       --build-arg DOTNET_SDK_IMAGE="$sdk_base" -t remit-check/remit-build:$app_version-cuda . >"$out/build-cuda.log" 2>&1 \
     && docker run --rm --network none --entrypoint /bin/sh remit-check/remit-build:$app_version-cuda -c \
          'test -x /out/remit/remit && test ! -e /out/remit/libtorch_cpu.so && test ! -e /out/remit/libtorch_cuda.so'; then
    ok "CUDA image build stage (TorchBackend=external, no libtorch in /out/remit; $(( $(date +%s) - start )) s)"
    summary+=("CUDA build stage remit-check/remit-build:$app_version-cuda: $(size_of remit-check/remit-build:$app_version-cuda) (SDK stage, not shipped)")
  else
    tail -20 "$out/build-cuda.log"; bad "CUDA image build stage (log $out/build-cuda.log)"
  fi
fi

echo "check-images: ${summary[*]:+$(printf '%s; ' "${summary[@]}")}total $(( $(date +%s) - t0 )) s"
echo "images: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
