#!/usr/bin/env bash
# Every second: epoch seconds, role, pid, utime+stime ticks of every `remit node` process (until killed).
out=$1
while true; do
  now=$(date +%s.%N)
  for p in $(pgrep -f "remit node --role"); do
    role=$( (tr "\0" " " < /proc/$p/cmdline) 2>/dev/null | sed -n "s/.*--role \([a-z]*\).*/\1/p")
    [ -n "$role" ] || continue
    ticks=$(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null) || continue
    echo "$now $role $p $ticks"
  done >> "$out"
  sleep 1
done
