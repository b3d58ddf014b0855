#!/usr/bin/env bash
# A whole ReMiT cluster on this machine, on 127.0.0.1: coordinator, verifier, guide, M rollout
# nodes and N learner ranks under mpirun. Runs the flywheel to the end, stops everything it started,
# and leaves DIR/results.json (with a "cluster" section), DIR/report.md and every node's log in DIR/logs/.
#
#   cluster/local/up.sh --preset smoke --learners 2 --rollouts 2 --out runs/cluster
#   cluster/local/up.sh --out runs/cluster --resume            # continue a stopped run
#
# Options: --preset P (smoke|tiny|small|FILE), --learners N, --rollouts M, --out DIR, --resume,
# --set key=value (repeatable), --threads T (torch threads per process, default 1),
# --insecure (remoting without TLS; by default every start makes a new CA and one certificate per
# node with openssl in DIR/tls, and the nodes talk mutual TLS, accepting only that CA's certificates).
# Environment: REMIT (the remit command; default: the Release build, built if missing),
# REMIT_BASE_PORT (first Akka port, default 4053), REMIT_METRICS_BASE (first metrics port, default 9464),
# REMIT_REJOIN_TIMEOUT_S (how long a restarted coordinator may wait for the learners, default 60).
# A node that dies is started again, as Kubernetes restarts a pod: worker nodes rejoin and carry on, and so
# does a restarted coordinator (see "The coordinator" below).
# Every node runs in its own process group; whatever way up.sh ends, none is left running.
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

# Where nodes run. Here: processes on 127.0.0.1. REMIT_LAUNCHER names a script that redefines these
# (cluster/netns/launcher.sh: one network namespace per node), so the rest of this file serves both.
node_address() { echo 127.0.0.1; } # NODE: the address the other nodes reach NODE at
node_exec() { shift; "$@"; }        # NODE CMD...: runs CMD as NODE
launcher_up() { :; }                # NODE...: prepares the nodes' places before any node starts
launcher_down() { :; }              # removes what launcher_up made; called last, also after a crash of up.sh
if [ -n "${REMIT_LAUNCHER:-}" ]; then source "$REMIT_LAUNCHER"; fi

if [ -z "${REMIT:-}" ]; then
  REMIT=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit
  [ -x "$REMIT" ] || dotnet build src/ReMiT.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
fi
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
export REMIT_THREADS=$threads DOTNET_gcServer=0

# ---- stopping: every node is a background job in its own process group (set -m). mpirun puts each rank
# in a group of its own, so stopping also signals every descendant, listed before the first signal.
groups_file="$out/logs/.process-groups.$$" # one per up.sh: a later up.sh on the same run has its own
: >"$groups_file"
started() { echo "$1" >>"$groups_file"; }
descendants() { local c; for c in $(pgrep -P "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done; }
everything() { local g; while read -r g; do echo "$g"; descendants "$g"; done <"$groups_file"; }
signal() { # SIGNAL PID...: to each process and to the group each started job leads
  local sig=$1 g p; shift
  while read -r g; do kill "-$sig" -- "-$g" 2>/dev/null || true; done <"$groups_file"
  for p in "$@"; do kill "-$sig" "$p" 2>/dev/null || true; done
}
any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
stop_everything() { # GRACE_SECONDS: SIGTERM (nodes checkpoint at their next step boundary and leave), then SIGKILL
  local pids
  pids=$(everything)
  # shellcheck disable=SC2086 # one pid per word
  signal TERM $pids
  for _ in $(seq 1 $((2 * $1))); do any_alive $pids || break; sleep 0.5; done
  # shellcheck disable=SC2086
  signal KILL $pids $(everything)
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +m # no job notices on the way out
  touch "$out/logs/.stopping"
  stop_everything 10
  rm -f "$out/logs/.stopping"
  launcher_down || true
  rm -f "$groups_file" # what tells the watcher below that nothing is left to do
  exit "$status"
}
up_command=${up_command:-$0}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
set -m
# If up.sh itself is killed (kill -9 runs no trap), this watcher stops what it started. It is detached (its
# parent exits at once), so that killing up.sh's process tree does not take it along.
( ( trap '' INT TERM; tail --pid=$$ -f /dev/null
    if [ -f "$groups_file" ]; then stop_everything 0; launcher_down; rm -f "$groups_file"; fi ) </dev/null >/dev/null 2>&1 & )

nodes=(coordinator verifier guide)
for i in $(seq 1 "$rollouts"); do nodes+=("rollout-$i"); done
nodes+=(learners)
launcher_up "${nodes[@]}"

# A free TCP port at or after $1 (nothing answers on it).
free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
seed_port=$(free_port "${REMIT_BASE_PORT:-4053}")
coordinator_address=$(node_address coordinator)
if [ "$insecure" = 1 ]; then scheme=akka.tcp; else scheme=akka.ssl.tcp; fi
seed="$scheme://remit@${coordinator_address}:${seed_port}"

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
  cert_nodes=(coordinator verifier guide learner)
  for i in $(seq 1 "$rollouts"); do cert_nodes+=("rollout-$i"); done
  for name in "${cert_nodes[@]}"; do
    (umask 077 && openssl req -new "${ec[@]}" -keyout "$tls/$name.key" -out "$ca_dir/$name.csr" -subj "/CN=remit-$name" 2>"$ca_dir/err" \
      && openssl x509 -req -in "$ca_dir/$name.csr" -CA "$tls/ca.crt" -CAkey "$ca_dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
           -days 30 -sha256 -extfile "$ca_dir/node.ext" -out "$tls/$name.crt" 2>"$ca_dir/err") \
      || { cat "$ca_dir/err" >&2; echo "up.sh: openssl could not issue the certificate of $name" >&2; rm -rf "$ca_dir"; exit 1; }
  done
  rm -rf "$ca_dir"
  export REMIT_TLS_CA=$tls/ca.crt
  echo "up.sh: mutual TLS with a new CA and ${#cert_nodes[@]} node certificates in $tls"
fi
# Node $1's certificate ($2 = crt) or key ($2 = key); empty when insecure.
tls_file() { [ "$insecure" = 1 ] || echo "$tls/$1.$2"; }
# NODE CMD...: runs CMD as NODE with NODE's certificate (host names are not checked: any node address works).
node_run() { local name=$1; shift; node_exec "$name" env REMIT_TLS_CERT="$(tls_file "$name" crt)" REMIT_TLS_KEY="$(tls_file "$name" key)" "$@"; }
# Metrics ports, chosen before anything starts: consecutive from the base where free
# (coordinator, verifier, guide, rollouts, learner ranks; cluster/monitoring/prometheus.yml scrapes 9464-9471).
metrics_ports=()
p=$(free_port "${REMIT_METRICS_BASE:-9464}")
for _ in $(seq 1 $((3 + rollouts + learners))); do metrics_ports+=("$p"); p=$(free_port $((p + 1))); done
metrics=${metrics_ports[0]}

# Runs a worker node and starts it again if it dies before the run is over (what Kubernetes does for a pod).
supervise() {
  local name=$1; shift
  local restarts=0
  while true; do
    node_run "$name" "$REMIT" node "${insecure_flag[@]}" "$@" --hostname "$(node_address "$name")" >>"$out/logs/$name.log" 2>&1 && break
    sleep 1 # a node that stopped because the run did is not restarted: by now up.sh is stopping
    [ -e "$out/logs/.stopping" ] && break
    restarts=$((restarts + 1))
    echo "up.sh: $name exited; restart $restarts" | tee -a "$out/logs/$name.log" >&2
  done
}

# ---- the coordinator
echo "up.sh: coordinator on $seed (metrics :$metrics), logs in $out/logs"
coord_args=(node --role coordinator --run-dir "$out" --hostname "$coordinator_address" --metrics-port "$metrics" "${insecure_flag[@]}")
if [ "$resume" = 1 ]; then first_args=(--resume); else first_args=(--preset "$preset" "${sets[@]}"); fi
node_run coordinator "$REMIT" "${coord_args[@]}" --port "$seed_port" "${first_args[@]}" >"$out/logs/coordinator.log" 2>&1 &
coordinator_pid=$!
started "$coordinator_pid"

# Workers join once the coordinator has prepared the run directory (config + tokenizer) and is up. The
# probe knocks on its metrics port: a bare connect to the akka port would be a failed TLS handshake
# in its log (the workers' joins retry until remoting listens, a moment later).
for _ in $(seq 1 600); do
  [ -f "$out/tokenizer/tokenizer.json" ] && (exec 3<>"/dev/tcp/$coordinator_address/$metrics") 2>/dev/null && break
  kill -0 "$coordinator_pid" 2>/dev/null || { cat "$out/logs/coordinator.log" >&2; echo "up.sh: the coordinator failed to start" >&2; exit 1; }
  sleep 0.5
done

# The verifier and the guide listen on known ports: a restarted coordinator joins the running cluster
# through them, and so does a restarted rollout node or learner once the coordinator has moved.
verifier_port=$(free_port $((seed_port + 1)))
guide_port=$(free_port $((verifier_port + 1)))
rejoin_seeds="$scheme://remit@$(node_address verifier):$verifier_port,$scheme://remit@$(node_address guide):$guide_port"
common=(--seed-nodes "$seed,$rejoin_seeds" --run-dir "$out" --port 0)
supervise verifier --role verifier --seed-nodes "$seed" --run-dir "$out" --port "$verifier_port" --metrics-port "${metrics_ports[1]}" & started $!
supervise guide --role guide --seed-nodes "$seed" --run-dir "$out" --port "$guide_port" --metrics-port "${metrics_ports[2]}" & started $!
for i in $(seq 1 "$rollouts"); do
  supervise "rollout-$i" --role rollout "${common[@]}" --metrics-port "${metrics_ports[$((2 + i))]}" & started $!
done
# Learner ranks: one mpirun job; rank r serves metrics on the first learner port + r.
export REMIT_METRICS_PORT_BASE=${metrics_ports[$((3 + rollouts))]} REMIT_BIN=$REMIT
tls_x=()
if [ "$insecure" = 0 ]; then
  export REMIT_TLS_CERT=$tls/learner.crt REMIT_TLS_KEY=$tls/learner.key
  tls_x=(-x REMIT_TLS_CA -x REMIT_TLS_CERT -x REMIT_TLS_KEY)
fi
node_exec learners mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$learners" \
  -x REMIT_THREADS -x DOTNET_gcServer -x REMIT_METRICS_PORT_BASE -x REMIT_BIN -x TERM=dumb "${tls_x[@]}" \
  bash -c 'exec "$REMIT_BIN" node --role learner --metrics-port $((REMIT_METRICS_PORT_BASE + OMPI_COMM_WORLD_LOCAL_RANK)) "$@"' learner \
  "${common[@]}" "${insecure_flag[@]}" --hostname "$(node_address learners)" >"$out/logs/learners.log" 2>&1 &
started $!
echo "up.sh: started coordinator, verifier, guide, $rollouts rollout node(s), $learners learner rank(s)"

# Follow the coordinator's log (it drives the run and exits when the run is over).
tail -n +1 -f "$out/logs/coordinator.log" & started $!

# The coordinator: a run that ends (done: 0; stopped with an error: 1) ends up.sh. A coordinator that dies
# (killed: exit > 128) is started again on the run directory, as Kubernetes restarts a pod: it joins the
# running cluster through the verifier and the guide (not as its own seed, which would found a second
# cluster), the workers see the singleton's new incarnation and register with it again, re-sending what
# they wait for, and it continues from the run directory and its journal (coordinator/journal.jsonl).
# When no learner registers with it within REMIT_REJOIN_TIMEOUT_S, up.sh stops every node and says to
# --resume, which restarts the whole cluster from the run directory's checkpoints.
status=0
wait "$coordinator_pid" || status=$?
while [ "$status" -gt 128 ] && [ ! -e "$out/logs/.stopping" ]; do
  echo "up.sh: the coordinator died (exit $status); starting it again on $out" | tee -a "$out/logs/coordinator.log" >&2
  mark=$(stat -c %s "$out/logs/coordinator.log")
  # On a port of its own: the dead incarnation's address is quarantined by nodes that were talking to it.
  restart_port=$(free_port $((guide_port + 1)))
  node_run coordinator "$REMIT" "${coord_args[@]}" --port "$restart_port" --seed-nodes "$rejoin_seeds" --resume >>"$out/logs/coordinator.log" 2>&1 &
  coordinator_pid=$!
  started "$coordinator_pid"
  rejoined=0
  for _ in $(seq 1 $((2 * ${REMIT_REJOIN_TIMEOUT_S:-60}))); do
    kill -0 "$coordinator_pid" 2>/dev/null || break
    if grep -q "learner rank(s) joined" <(tail -c +$((mark + 1)) "$out/logs/coordinator.log"); then rejoined=1; break; fi
    sleep 0.5
  done
  if [ "$rejoined" = 0 ] && kill -0 "$coordinator_pid" 2>/dev/null; then
    echo "up.sh: the restarted coordinator got no learner within ${REMIT_REJOIN_TIMEOUT_S:-60} s; stopping every node" | tee -a "$out/logs/coordinator.log" >&2
    status=1
    break
  fi
  status=0
  wait "$coordinator_pid" || status=$?
done
if [ "$status" -eq 0 ]; then
  echo "up.sh: done; results in $out/results.json, report in $out/report.md"
else
  echo "up.sh: the run stopped (exit $status); see $out/logs; continue with: $up_command --out $out --resume" >&2
fi
exit "$status"
