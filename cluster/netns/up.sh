#!/usr/bin/env bash
# cluster/local/up.sh with every node on a host of its own: each node (coordinator, verifier, guide,
# rollout-N, the learner job) runs in its own Linux network namespace with its own address on a bridge,
# so nodes reach each other over a network that cluster/netns/fault.sh can cut. Same options, same
# results; needs root, iproute2, iptables and unshare (cluster/netns/up.sh --check says what is missing).
#
#   cluster/netns/up.sh --preset smoke --learners 2 --rollouts 2 --out runs/netns
#   cluster/netns/fault.sh runs/netns rollout-1 partition     # from another shell, while it runs
#   cluster/netns/fault.sh runs/netns rollout-1 heal
#
# Addresses come from the benchmarking range 198.18.0.0/15 (RFC 2544): one /24 per run, .1 on the
# bridge (this machine's end), nodes from .2. Everything it creates (namespaces, veth pairs, bridge,
# /etc/netns/NAME, one FORWARD rule) is removed when it exits, however it exits; DIR/netns/down.sh does
# the same by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Prints why this machine cannot run namespaced clusters; exit 0 (printing nothing) when it can.
check() {
  [ "$(id -u)" = 0 ] || { echo "network namespaces need root (running as uid $(id -u))"; return 1; }
  local c
  for c in ip iptables unshare flock; do
    command -v "$c" >/dev/null || { echo "$c not found (apt-get install -y iproute2 iptables util-linux)"; return 1; }
  done
  local probe=remit-check-$$ why=""
  if ! why=$(ip netns add "$probe" 2>&1); then echo "cannot create a network namespace: $why"; return 1; fi
  if ! why=$(ip netns exec "$probe" iptables -w -S 2>&1 && ip netns exec "$probe" unshare --uts true 2>&1); then
    ip netns del "$probe" 2>/dev/null || true
    echo "iptables or unshare does not work inside a network namespace: $why"; return 1
  fi
  ip netns del "$probe"
}

case "${1:-}" in
  --check) check; exit ;;
  -h|--help) sed -n '2,16p' "$0"; echo; bash "$here/../local/up.sh" --help; exit 0 ;;
esac
if ! why=$(check); then echo "cluster/netns/up.sh: $why; cluster/local/up.sh runs the same cluster on 127.0.0.1" >&2; exit 2; fi
REMIT_LAUNCHER="$here/launcher.sh" exec bash "$here/../local/up.sh" "$@"
