# Sourced by cluster/local/up.sh when cluster/netns/up.sh sets REMIT_LAUNCHER: redefines where nodes
# run (see "Where nodes run" in up.sh). Each node gets a network namespace with a veth pair to a bridge
# on this machine, an address of its own and a host name of its own (a UTS namespace, and an /etc/hosts
# naming every node through ip netns exec's /etc/netns/NAME/hosts), so it looks like a machine on a LAN.
# DIR/netns/nodes lists "NODE NAMESPACE ADDRESS" (fault.sh reads it); DIR/netns/down.sh removes it all.
# shellcheck shell=bash

up_command=cluster/netns/up.sh
# up.sh's pid tells concurrent runs apart and keeps interface names within Linux's 15 characters.
netns_tag=$$
netns_bridge=rmt$netns_tag

node_field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$out/netns/nodes"; }
node_address() { node_field "$1" 3; }
node_exec() {
  local node=$1; shift
  ip netns exec "$(node_field "$node" 2)" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$node" "$@"
}
launcher_down() { if [ -f "$out/netns/down.sh" ]; then bash "$out/netns/down.sh"; fi; }

launcher_up() {
  local nodes=("$@") i ns prefix
  mkdir -p "$out/netns"
  # The undo script comes first, so that a failure halfway through is cleaned up too.
  {
    echo "#!/usr/bin/env bash"
    echo "# Removes what cluster/netns/up.sh made for run $out (safe to run twice)."
    for i in "${!nodes[@]}"; do
      ns=remit-$netns_tag-${nodes[$i]}
      echo "for p in \$(ip netns pids $ns 2>/dev/null); do kill -KILL \$p 2>/dev/null; done"
      echo "ip netns del $ns 2>/dev/null; rm -rf /etc/netns/$ns"
      echo "ip link del rmv$netns_tag-$i 2>/dev/null"
    done
    echo "ip link del $netns_bridge 2>/dev/null"
    echo "iptables -w -D FORWARD -i $netns_bridge -o $netns_bridge -j ACCEPT 2>/dev/null"
    echo "rmdir /etc/netns 2>/dev/null"
    echo "true"
  } >"$out/netns/down.sh"

  # A /24 of 198.18.0.0/15 that no interface here uses yet, claimed under a lock (runs may start together).
  exec 8>/tmp/remit-netns.lock
  flock 8
  local used n
  used=$(ip -o -4 addr show | awk '{ print $4 }')
  for n in $(seq 0 511); do
    prefix=198.$((18 + n / 256)).$((n % 256))
    grep -q "^${prefix//./\\.}\." <<<"$used" || break
  done
  ip link add "$netns_bridge" type bridge
  ip addr add "$prefix.1/24" dev "$netns_bridge"
  ip link set "$netns_bridge" up
  flock -u 8
  exec 8>&-
  # Bridged frames pass this machine's FORWARD chain when br_netfilter is loaded (Docker sets it to DROP).
  iptables -w -I FORWARD -i "$netns_bridge" -o "$netns_bridge" -j ACCEPT

  : >"$out/netns/nodes"
  for i in "${!nodes[@]}"; do
    ns=remit-$netns_tag-${nodes[$i]}
    ip netns add "$ns"
    ip link add "rmv$netns_tag-$i" type veth peer name "rmp$netns_tag-$i"
    ip link set "rmv$netns_tag-$i" master "$netns_bridge" up
    ip link set "rmp$netns_tag-$i" netns "$ns"
    ip -n "$ns" link set "rmp$netns_tag-$i" name eth0
    ip -n "$ns" addr add "$prefix.$((i + 2))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    echo "${nodes[$i]} $ns $prefix.$((i + 2))" >>"$out/netns/nodes"
  done
  # Every node finds the others by name (the coordinator scrapes their metrics at the host name they report).
  for i in "${!nodes[@]}"; do
    ns=remit-$netns_tag-${nodes[$i]}
    mkdir -p "/etc/netns/$ns"
    { echo "127.0.0.1 localhost"; echo "$prefix.1 up-sh"; awk '{ print $3, $1 }' "$out/netns/nodes"; } >"/etc/netns/$ns/hosts"
  done
  echo "up.sh: $((${#nodes[@]})) network namespaces on bridge $netns_bridge ($prefix.0/24): $(awk '{ printf "%s %s  ", $1, $3 }' "$out/netns/nodes")"
}
