"""Summarises bench/mpi/mpinet.sh's results.jsonl as a markdown table (stdlib only).

For every collective (op, mode) and size: each program's median bus bandwidth over the rounds with
its range, and each MPI.NET program's ratio to the C program on the same MPI (MPICH), computed per
round (the two ran back to back) and given as median and range. A call MPI.NET makes differently
from C is compared with the C call it stands for: the allocating Allreduce with C's out-of-place one,
the in-place stand-in (copy in, reduce, copy back) with C's in-place one.
    python3 bench/mpi/summarize.py results.jsonl
"""
import json
import re
import statistics
import sys
from collections import defaultdict

PROGRAMS = ["c-mpich", "mpinet-high", "mpinet-raw", "c-openmpi", "remit-openmpi"]
BASELINE = {"mpinet-high": "c-mpich", "mpinet-raw": "c-mpich", "remit-openmpi": "c-openmpi"}
CASES = [("allreduce", "in-place"), ("allreduce", "in-place via copies"), ("allreduce", "out-of-place"), ("allreduce", "allocating"),
         ("reduce_scatter", "out-of-place"), ("allgather", "out-of-place")]
C_MODE = {"allocating": "out-of-place", "in-place via copies": "in-place"}


def spread(values, digits):
    if not values:
        return "–"
    fmt = f"{{:.{digits}f}}"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main(path):
    busbw = defaultdict(dict)  # (program, op, mode, bytes) -> {round: GB/s}
    notes = set()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if "note" in row:
                outcome = re.sub(r"0x[0-9a-f]+", "0x…", row["outcome"])  # buffer addresses differ per run
                notes.add(f"{row['note']} ({row['program']}): {outcome}")
                continue
            busbw[(row["program"], row["op"], row["mode"], row["bytes"])][row["round"]] = row["bus_bandwidth"]

    sizes = sorted({key[3] for key in busbw})
    rounds = sorted({r for per_round in busbw.values() for r in per_round})
    print(f"{len(rounds)} rounds; bus bandwidth in GB/s, median (min–max); ratios per round, median (min–max)\n")
    header = ["op", "mode", "MiB"] + PROGRAMS + [f"{p} / {b}" for p, b in BASELINE.items()]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for op, mode in CASES:
        for size in sizes:
            cells = [spread(list(busbw.get((p, op, mode, size), {}).values()), 2) for p in PROGRAMS]
            if all(cell == "–" for cell in cells):
                continue
            ratios = []
            for program, baseline in BASELINE.items():
                mine = busbw.get((program, op, mode, size), {})
                base = busbw.get((baseline, op, C_MODE.get(mode, mode), size), {})
                ratios.append(spread([mine[r] / base[r] for r in mine if r in base and base[r] > 0], 2))
            print("| " + " | ".join([op, mode, str(size >> 20)] + cells + ratios) + " |")
    # What the high-level API's extra work costs, measured inside one program (adjacent cases, same load).
    print("\nmpinet-high against its own out-of-place Allreduce, per round, median (min–max)\n")
    print("| MiB | in-place via copies / out-of-place | allocating / out-of-place |")
    print("|---|---|---|")
    for size in sizes:
        plain = busbw.get(("mpinet-high", "allreduce", "out-of-place", size), {})
        cells = []
        for mode in ("in-place via copies", "allocating"):
            mine = busbw.get(("mpinet-high", "allreduce", mode, size), {})
            cells.append(spread([mine[r] / plain[r] for r in mine if r in plain and plain[r] > 0], 2))
        if plain:
            print(f"| {size >> 20} | " + " | ".join(cells) + " |")
    for note in sorted(notes):
        print(f"\nnote: {note}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 bench/mpi/summarize.py results.jsonl")
    main(sys.argv[1])
