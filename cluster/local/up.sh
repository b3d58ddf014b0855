#!/usr/bin/env bash
# A whole ReMiT cluster on this machine, on 127.0.0.1: coordinator, verifier, guide, M rollout
# nodes (each restarted if it dies) and N learner ranks under mpirun. Runs the flywheel to the end,
# stops everything it started, and leaves DIR/results.json (with a "cluster" section), DIR/report.md
# and every node's log in DIR/logs/.
#
#   cluster/local/up.sh --preset smoke --learners 2 --rollouts 2 --out runs/cluster
#   cluster/local/up.sh --out runs/cluster --resume            # continue a stopped run
#
# Options: --preset P (smoke|tiny|small|FILE), --learners N, --rollouts M, --out DIR, --resume,
# --set key=value (repeatable), --threads T (torch threads per process, default 1),
# --insecure (remoting without TLS; by default every start makes a new CA and one certificate per
# node with openssl in DIR/tls, and the nodes talk mutual TLS, accepting only that CA's certificates).
# Environment: REMIT (the remit command; default: the Release build, built if missing),
# REMIT_BASE_PORT (first Akka port, default 4053), REMIT_METRICS_BASE (first metrics port, default 9464).
set -euo pipefail
cd "$(dirname "$0")/../.."

preset=smoke learners=1 rollouts=1 out="" resume=0 threads=1 sets=() insecure=0
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --learners) learners=$2; shift 2 ;;
    --rollouts) rollouts=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --resume) resume=1; shift ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --insecure) insecure=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "up.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "up.sh: --out DIR is required" >&2; exit 2; }
[[ "$learners" =~ ^[1-9][0-9]*$ ]] || { echo "up.sh: --learners must be a positive integer, got '$learners'" >&2; exit 2; }
[[ "$rollouts" =~ ^[1-9][0-9]*$ ]] || { echo "up.sh: --rollouts must be a positive integer, got '$rollouts'" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "up.sh: mpirun not found; install Open MPI: apt-get install -y openmpi-bin" >&2; exit 2; }
[ "$insecure" = 1 ] || command -v openssl >/dev/null || { echo "up.sh: openssl not found (it makes the run's TLS certificates); apt-get install -y openssl, or pass --insecure" >&2; exit 2; }

if [ -z "${REMIT:-}" ]; then
  REMIT=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit
  [ -x "$REMIT" ] || dotnet build src/ReMiT.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
fi
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
export REMIT_THREADS=$threads DOTNET_gcServer=0

# A free TCP port at or after $1 (nothing answers on it).
free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
seed_port=$(free_port "${REMIT_BASE_PORT:-4053}")
if [ "$insecure" = 1 ]; then seed="akka.tcp://remit@127.0.0.1:${seed_port}"; else seed="akka.ssl.tcp://remit@127.0.0.1:${seed_port}"; fi

# Mutual TLS: a CA made for this start (its key exists only while the node certificates are signed)
# and one certificate per node, all in $out/tls (ca.crt, <node>.crt, <node>.key: the layout of a
# Kubernetes TLS secret). Nodes get them through REMIT_TLS_CA, REMIT_TLS_CERT and REMIT_TLS_KEY.
tls=$out/tls
insecure_flag=()
if [ "$insecure" = 1 ]; then
  insecure_flag=(--insecure)
  echo "up.sh: WARNING: --insecure: the nodes talk without TLS; anything that reaches 127.0.0.1 can join" >&2
else
  rm -rf "$tls"; mkdir -p "$tls"; chmod 700 "$tls"
  ca_dir=$(mktemp -d)
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc)
  openssl req -x509 "${ec[@]}" -keyout "$ca_dir/ca.key" -out "$tls/ca.crt" -days 30 -sha256 \
    -subj "/CN=remit run CA $(basename "$out") $(date -u +%Y%m%dT%H%M%SZ)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$ca_dir/err" \
    || { cat "$ca_dir/err" >&2; echo "up.sh: openssl could not make the run's CA" >&2; exit 1; }
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$ca_dir/node.ext"
  nodes=(coordinator verifier guide learner)
  for i in $(seq 1 "$rollouts"); do nodes+=("rollout-$i"); done
  for name in "${nodes[@]}"; do
    (umask 077 && openssl req -new "${ec[@]}" -keyout "$tls/$name.key" -out "$ca_dir/$name.csr" -subj "/CN=remit-$name" 2>"$ca_dir/err" \
      && openssl x509 -req -in "$ca_dir/$name.csr" -CA "$tls/ca.crt" -CAkey "$ca_dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
           -days 30 -sha256 -extfile "$ca_dir/node.ext" -out "$tls/$name.crt" 2>"$ca_dir/err") \
      || { cat "$ca_dir/err" >&2; echo "up.sh: openssl could not issue the certificate of $name" >&2; rm -rf "$ca_dir"; exit 1; }
  done
  rm -rf "$ca_dir"
  export REMIT_TLS_CA=$tls/ca.crt
  echo "up.sh: mutual TLS with a new CA and ${#nodes[@]} node certificates in $tls"
fi
# Node $1's certificate ($2 = crt) or key ($2 = key); empty when insecure.
tls_file() { [ "$insecure" = 1 ] || echo "$tls/$1.$2"; }
# Metrics ports, chosen before anything starts: consecutive from the base where free
# (coordinator, verifier, guide, rollouts, learner ranks; cluster/monitoring/prometheus.yml scrapes 9464-9471).
metrics_ports=()
p=$(free_port "${REMIT_METRICS_BASE:-9464}")
for _ in $(seq 1 $((3 + rollouts + learners))); do metrics_ports+=("$p"); p=$(free_port $((p + 1))); done
metrics=${metrics_ports[0]}

pids=()
cleanup() {
  trap - EXIT INT TERM
  touch "$out/logs/.stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 2
  for pid in "${pids[@]}"; do pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$out/logs/.stopping"
}
trap cleanup EXIT INT TERM

# Runs a worker node and starts it again if it dies before the run is over (what Kubernetes does for a pod).
supervise() {
  local name=$1; shift
  local restarts=0
  while true; do
    REMIT_TLS_CERT=$(tls_file "$name" crt) REMIT_TLS_KEY=$(tls_file "$name" key) "$REMIT" node "${insecure_flag[@]}" "$@" >>"$out/logs/$name.log" 2>&1 && break
    [ -e "$out/logs/.stopping" ] && break
    kill -0 "$coordinator_pid" 2>/dev/null || break
    restarts=$((restarts + 1))
    echo "up.sh: $name exited; restart $restarts" | tee -a "$out/logs/$name.log" >&2
    sleep 1
  done
}

echo "up.sh: coordinator on $seed (metrics :$metrics), logs in $out/logs"
coord_args=(node --role coordinator --run-dir "$out" --port "$seed_port" --metrics-port "$metrics")
if [ "$resume" = 1 ]; then coord_args+=(--resume); else coord_args+=(--preset "$preset"); fi
REMIT_TLS_CERT=$(tls_file coordinator crt) REMIT_TLS_KEY=$(tls_file coordinator key) "$REMIT" "${coord_args[@]}" "${insecure_flag[@]}" "${sets[@]}" >"$out/logs/coordinator.log" 2>&1 &
coordinator_pid=$!
pids+=("$coordinator_pid")

# Workers join once the coordinator has prepared the run directory (config + tokenizer) and is up. The
# probe knocks on its metrics port: a bare connect to the akka port would be a failed TLS handshake
# in its log (the workers' joins retry until remoting listens, a moment later).
for _ in $(seq 1 600); do
  [ -f "$out/tokenizer/tokenizer.json" ] && (exec 3<>"/dev/tcp/127.0.0.1/$metrics") 2>/dev/null && break
  kill -0 "$coordinator_pid" 2>/dev/null || { cat "$out/logs/coordinator.log" >&2; echo "up.sh: the coordinator failed to start" >&2; exit 1; }
  sleep 0.5
done

common=(--seed-nodes "$seed" --run-dir "$out" --port 0)
supervise verifier --role verifier "${common[@]}" --metrics-port "${metrics_ports[1]}" & pids+=($!)
supervise guide --role guide "${common[@]}" --metrics-port "${metrics_ports[2]}" & pids+=($!)
for i in $(seq 1 "$rollouts"); do
  supervise "rollout-$i" --role rollout "${common[@]}" --metrics-port "${metrics_ports[$((2 + i))]}" & pids+=($!)
done
# Learner ranks: one mpirun job; rank r serves metrics on the first learner port + r.
export REMIT_METRICS_PORT_BASE=${metrics_ports[$((3 + rollouts))]} REMIT_BIN=$REMIT
tls_x=()
if [ "$insecure" = 0 ]; then
  export REMIT_TLS_CERT=$tls/learner.crt REMIT_TLS_KEY=$tls/learner.key
  tls_x=(-x REMIT_TLS_CA -x REMIT_TLS_CERT -x REMIT_TLS_KEY)
fi
mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$learners" \
  -x REMIT_THREADS -x DOTNET_gcServer -x REMIT_METRICS_PORT_BASE -x REMIT_BIN -x TERM=dumb "${tls_x[@]}" \
  bash -c 'exec "$REMIT_BIN" node --role learner --metrics-port $((REMIT_METRICS_PORT_BASE + OMPI_COMM_WORLD_LOCAL_RANK)) "$@"' learner \
  "${common[@]}" "${insecure_flag[@]}" >"$out/logs/learners.log" 2>&1 &
pids+=($!)
echo "up.sh: started coordinator, verifier, guide, $rollouts rollout node(s), $learners learner rank(s)"

# Follow the coordinator (it drives the run and exits when the run is over).
tail -n +1 -f "$out/logs/coordinator.log" --pid "$coordinator_pid" &
tailer=$!
status=0
wait "$coordinator_pid" || status=$?
wait "$tailer" 2>/dev/null || true
if [ "$status" -eq 0 ]; then
  echo "up.sh: done; results in $out/results.json, report in $out/report.md"
else
  echo "up.sh: the run stopped (exit $status); see $out/logs; continue with: $0 --out $out --resume" >&2
fi
exit "$status"
