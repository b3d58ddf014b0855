#!/usr/bin/env bash
# Moves every thread of the learner node (once it exists) to CPU 0; everything else stays where up.sh started it (CPU 1).
for _ in $(seq 1 600); do
  p=$(pgrep -f "remit node --role learner" | head -1)
  if [ -n "$p" ]; then sleep 2; for t in /proc/$p/task/*; do taskset -cp 0 "$(basename $t)" >/dev/null 2>&1; done; echo "pinned learner $p to CPU 0"
    # threads created later (thread pool growth) inherit their creator's mask; re-pin a few times to be sure
    for _ in 1 2 3 4 5 6 7 8 9 10; do sleep 10; for t in /proc/$p/task/*; do taskset -cp 0 "$(basename $t)" >/dev/null 2>&1; done; done; exit 0; fi
  sleep 0.5
done
