#!/usr/bin/env bash
# Cuts or restores all of one node's network traffic in a running cluster/netns/up.sh cluster: iptables
# DROP rules in the node's own namespace on everything but loopback, both directions. Packets vanish
# as on a pulled cable (no resets; TCP retransmits once healed); the shared run directory stays reachable,
# as shared storage on its own network would. (This kernel has no netem, so no delay or loss rates.)
#
#   cluster/netns/fault.sh runs/netns rollout-1 partition
#   cluster/netns/fault.sh runs/netns rollout-1 heal
#
# NODE: coordinator, verifier, guide, rollout-N, learners (the whole learner job: its ranks still reach
# each other over loopback). Each fault is also logged, with the time, in DIR/logs/faults.log.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 DIR NODE partition|heal (see --help)" >&2; [ "${1:-}" = --help ] && sed -n '2,11p' "$0"; exit 2; }
dir=$1 node=$2 action=$3
case "$action" in partition|heal) ;; *) echo "fault.sh: unknown fault '$action'; expected partition or heal" >&2; exit 2 ;; esac
nodes="$dir/netns/nodes"
[ -f "$nodes" ] || { echo "fault.sh: $nodes not found; is $dir a run that cluster/netns/up.sh is running?" >&2; exit 2; }
ns=$(awk -v n="$node" '$1 == n { print $2 }' "$nodes")
[ -n "$ns" ] || { echo "fault.sh: no node '$node' in $nodes; nodes: $(awk '{ printf "%s ", $1 }' "$nodes")" >&2; exit 2; }
ip netns pids "$ns" >/dev/null 2>&1 || { echo "fault.sh: namespace $ns of '$node' is gone; has the run ended?" >&2; exit 1; }

rule() { # iptables ACTION for the chain and direction of one rule
  ip netns exec "$ns" iptables -w "$1" "$2" ! "$3" lo -j DROP 2>/dev/null
}
case "$action" in
  partition)
    rule -C INPUT -i || rule -I INPUT -i
    rule -C OUTPUT -o || rule -I OUTPUT -o ;;
  heal)
    while rule -C INPUT -i; do rule -D INPUT -i; done
    while rule -C OUTPUT -o; do rule -D OUTPUT -o; done ;;
esac
echo "$(date -u +%FT%T.%3NZ) $node $action" | tee -a "$dir/logs/faults.log"
