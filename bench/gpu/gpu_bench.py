#!/usr/bin/env python3
"""One device call's worth of checks and benchmarks for remit (bench/gpu/README.md), written to ONE JSON file.

Steps, in order (each gets what is left of --max-minutes, so the whole run ends inside it):
  parity    `remit score` (float32) on the Hugging Face fixtures; every next-token log-prob within 1e-4
  train     `remit bench train` in bfloat16
  generate  `remit bench generate` in bfloat16
  anchor    the PyTorch reference (shared/bench/torch_anchor.py); CUDA only, "skipped: ..." otherwise
  flywheel  `remit flywheel --preset small` with caps (--toy: the smoke preset), stopped with Ctrl-C at the budget

The JSON is rewritten after every step, so a run killed from outside still leaves what it measured.
Uses only the standard library: torch is optional (the anchor and the GPU's name come from it).
"""
import argparse, datetime, json, os, platform, signal, subprocess, sys, tempfile, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4
TAIL = 4000  # characters of a failed command's output kept in the JSON

# Caps that bring the small preset's flywheel (hours on one GPU) to minutes: every stage runs, fewer steps.
SMALL_CAPS = ["pretrain.documents=20000", "pretrain.warmup_steps=50", "pretrain.stable_steps=300",
              "pretrain.checkpoint_every=100", "mid_train.documents=5000", "mid_train.decay_steps=100",
              "mid_train.checkpoint_every=50", "rl.steps=5", "rl.checkpoint_every=5", "eval.per_op=4", "eval.samples=4"]
# --toy: the smoke preset cut to a few steps per stage (seconds on a CPU).
SMOKE_CAPS = ["tokenizer.documents=200", "pretrain.documents=200", "pretrain.warmup_steps=2", "pretrain.stable_steps=4",
              "pretrain.checkpoint_every=2", "pretrain.log_every=2", "mid_train.documents=100", "mid_train.decay_steps=2",
              "mid_train.checkpoint_every=2", "mid_train.log_every=1", "rl.steps=1", "rl.prompts_per_step=2",
              "rl.group_size=2", "rl.max_new_tokens=16", "rl.checkpoint_every=1", "eval.per_op=1", "eval.samples=2",
              "eval.max_new_tokens=16"]


STEPS = ["parity", "bench_train", "bench_generate", "anchor", "flywheel"]


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/gpu/run.sh", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--remit", required=True, help="the remit executable (e.g. an unpacked bench/gpu/pack.sh archive: DIR/remit)")
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--out", default="gpu-bench.json", help="the JSON file to write (default: %(default)s)")
    p.add_argument("--toy", action="store_true", help="tiny sizes: seconds to a minute on a CPU (what the tests run)")
    p.add_argument("--max-minutes", type=float, default=9.0,
                   help="wall-clock budget for all steps; the flywheel gets what is left (default: %(default)s, for a 10-minute call)")
    p.add_argument("--fixtures", default=str(REPO / "tests" / "fixtures" / "hf-reference"),
                   help="folder of Hugging Face reference models (each: config.json, model.safetensors, reference.json)")
    p.add_argument("--anchor", default=None,
                   help="torch_anchor.py (default: ../shared/bench/torch_anchor.py beside the repo, else shared/bench/ inside it)")
    p.add_argument("--anchor-mode", action="append", default=None,
                   help="torch_anchor.py's argument: all (training steps + HF generate), decode, remit; repeatable (default: all)")
    p.add_argument("--anchor-minutes", type=float, default=3.0,
                   help="at most this long for the anchor, so the flywheel keeps its share of the budget (default: %(default)s)")
    p.add_argument("--flywheel-set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra --set for the flywheel, applied after the caps (repeatable)")
    p.add_argument("--no-flywheel-caps", action="store_true", help="run the preset as it is (still stopped at the budget)")
    p.add_argument("--only", default=",".join(STEPS),
                   help=f"comma-separated steps to run, of {','.join(STEPS)} (default: all)")
    p.add_argument("--work", default=None, help="scratch folder for inputs, outputs and the flywheel's run (default: a temp folder)")
    args = p.parse_args(argv)
    unknown = [s for s in args.only.split(",") if s not in STEPS]
    if unknown:
        p.error(f"--only: unknown step(s) {','.join(unknown)}; choose from {','.join(STEPS)}")
    return args


def tail(text):
    return text[-TAIL:] if text else ""


def run(cmd, env, timeout_s, interrupt=False):
    """Runs cmd; past timeout_s sends SIGINT (interrupt=True: remit stops at its next step) or kills it.
    Returns (exit code, stdout, stderr, seconds, timed_out)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=max(timeout_s, 1))
    except subprocess.TimeoutExpired:
        timed_out = True
        if interrupt:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
    return proc.returncode, out or "", err or "", round(time.monotonic() - start, 3), timed_out


def last_json_line(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def python_torch():
    """(torch version, cuda available, GPU name) from python3's torch, or None without torch."""
    code = ("import json,torch;c=torch.cuda.is_available();"
            "print(json.dumps([torch.__version__,c,torch.cuda.get_device_name(0) if c else None]))")
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        return None
    version, cuda, name = json.loads(r.stdout.strip().splitlines()[-1])
    return {"version": version, "cuda_available": cuda, "gpu_name": name}


def torch_lib_dir():
    r = subprocess.run([sys.executable, "-c", "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


def remit_env(remit):
    """An external-libtorch build (no libtorch beside it) loads libtorch from LD_LIBRARY_PATH: put torch's there."""
    env = dict(os.environ)
    if not any(Path(remit).parent.glob("libtorch*.so")):
        lib = torch_lib_dir()
        if lib:
            env["LD_LIBRARY_PATH"] = lib + (os.pathsep + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def parse_info(text):
    info = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            info[key.strip().replace(" ", "_")] = value.strip()
    return info


def parity(args, env, work, budget):
    """remit score (float32) vs each fixture's next_token_logprobs (transformers' own numbers)."""
    models = []
    for ref_path in sorted(Path(args.fixtures).glob("*/reference.json")):
        model_dir = ref_path.parent
        ref = json.loads(ref_path.read_text())
        inp, out = work / f"parity-{model_dir.name}.jsonl", work / f"parity-{model_dir.name}.scored.jsonl"
        inp.write_text("".join(json.dumps({"input_ids": ids}) + "\n" for ids in ref["input_ids"]))
        cmd = [args.remit, "score", "--model", str(model_dir), "--input", str(inp), "--output", str(out),
               "--device", args.device, "--dtype", "float32"]
        code, so, se, secs, timed_out = run(cmd, env, budget())
        row = {"model": model_dir.name, "model_type": ref.get("model_type"), "seconds": secs, "exit_code": code}
        if code != 0 or timed_out:
            row.update(passed=False, error="timed out" if timed_out else "remit score failed", output_tail=tail(so + se))
        else:
            got = [json.loads(line)["token_logprobs"] for line in out.read_text().splitlines() if line.strip()]
            want = ref["next_token_logprobs"]
            if [len(g) for g in got] != [len(w) for w in want]:
                row.update(passed=False, error=f"shape: remit gave {[len(g) for g in got]} log-probs per row, the fixture {[len(w) for w in want]}")
            else:
                diffs = [abs(g - w) for gr, wr in zip(got, want) for g, w in zip(gr, wr)]
                row.update(n_logprobs=len(diffs), max_abs_diff=max(diffs), passed=max(diffs) <= TOLERANCE)
        models.append(row)
    if not models:
        return {"status": f"failed: no */reference.json under {args.fixtures}", "models": []}
    passed = all(m["passed"] for m in models)
    return {"status": "passed" if passed else "failed", "tolerance": TOLERANCE, "dtype": "float32", "models": models}


def bench(args, env, budget, kind, preset, extra):
    cmd = [args.remit, "bench", kind, "--preset", preset, "--device", args.device, "--dtype", "bfloat16", "--json", *extra]
    code, so, se, secs, timed_out = run(cmd, env, budget())
    row = {"preset": preset, "command": cmd[1:], "seconds": secs, "exit_code": code}
    if code == 0 and not timed_out:
        row.update(status="ok", result=last_json_line(so))
    else:
        row.update(status="timed out" if timed_out else "failed", output_tail=tail(so + se))
    return row


def anchor(args, torch_info, budget):
    path = Path(args.anchor) if args.anchor else next(
        (p for p in (REPO.parent / "shared" / "bench" / "torch_anchor.py", REPO / "shared" / "bench" / "torch_anchor.py") if p.exists()),
        REPO.parent / "shared" / "bench" / "torch_anchor.py")
    base = {"script": str(path)}
    if torch_info is None:
        return {**base, "status": "skipped: no torch"}
    if args.device != "cuda" or not torch_info["cuda_available"]:
        return {**base, "status": "skipped: the anchor runs on cuda only"}
    if not path.exists():
        return {**base, "status": f"skipped: {path} not found (pass --anchor PATH)"}
    runs = []
    for mode in args.anchor_mode or ["all"]:
        cmd = [sys.executable, str(path)] + ([] if mode == "all" else [mode])
        code, so, se, secs, timed_out = run(cmd, dict(os.environ), min(budget(), args.anchor_minutes * 60))
        results = [json.loads(line) for line in so.splitlines() if line.startswith("{")]
        header = next((line for line in so.splitlines() if line and not line.startswith("{")), None)
        row = {"mode": mode, "seconds": secs, "exit_code": code, "header": header, "results": results,
               "status": "ok" if code == 0 and not timed_out else ("timed out" if timed_out else "failed")}
        if row["status"] != "ok":
            row["output_tail"] = tail(se)
        runs.append(row)
    return {**base, "status": "ok" if all(r["status"] == "ok" for r in runs) else "partial", "runs": runs}


def flywheel(args, env, work, budget):
    preset = "smoke" if args.toy else "small"
    overrides = ([] if args.no_flywheel_caps else (SMOKE_CAPS if args.toy else SMALL_CAPS)) + args.flywheel_set
    run_dir = work / "flywheel"
    cmd = [args.remit, "flywheel", "--preset", preset, "--out", str(run_dir), "--device", args.device]
    for o in overrides:
        cmd += ["--set", o]
    limit = budget()
    code, so, se, secs, timed_out = run(cmd, env, limit, interrupt=True)
    stages = sorted(p.stem for p in (run_dir / "stages").glob("*.json")) if (run_dir / "stages").exists() else []
    results = run_dir / "results.json"
    rows = json.loads(results.read_text()).get("rows", []) if results.exists() else []
    status = "completed" if code == 0 and not timed_out else (
        f"stopped at the budget ({limit:.0f} s)" if timed_out else "failed")
    row = {"preset": preset, "overrides": overrides, "budget_s": round(limit, 1), "seconds": secs, "exit_code": code,
           "status": status, "stages_done": stages, "results_rows": len(rows), "run_dir": str(run_dir)}
    if status != "completed":
        row["output_tail"] = tail(so + se)
    return row


def main(argv):
    args = parse_args(argv)
    args.remit = str(Path(args.remit).resolve())
    if not os.access(args.remit, os.X_OK):
        print(f"run.sh: --remit {args.remit} is not an executable; pass the remit file of a build or an unpacked pack.sh archive",
              file=sys.stderr)
        return 2
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="remit-gpu-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    deadline = time.monotonic() + args.max_minutes * 60
    # What is left of the budget, less a margin for writing the JSON; at least a few seconds so a step can say why it failed.
    budget = lambda: max(deadline - time.monotonic() - 10, 5)

    torch_info = python_torch()
    env = remit_env(args.remit)
    code, so, se, _, _ = run([args.remit, "info"], env, 120)
    info = parse_info(so) if code == 0 else {"error": tail(so + se)}
    if code != 0 and torch_info and not torch_info["version"].startswith("2.10"):
        info["hint"] = f"TorchSharp 0.107 pairs with libtorch 2.10 (DESIGN.md §2); python3's torch is {torch_info['version']}"
    if torch_info and torch_info["gpu_name"] and args.device == "cuda":
        device_name = torch_info["gpu_name"]
    else:
        device_name = cpu_name() if args.device == "cpu" else "unknown (python3 has no CUDA torch)"
    report = {"schema": 1, "started_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "device": args.device, "device_name": device_name, "toy": args.toy, "max_minutes": args.max_minutes,
              "remit": args.remit, "remit_info": info, "ld_library_path": env.get("LD_LIBRARY_PATH", ""),
              "torch": torch_info, "host": platform.node()}
    start = time.monotonic()

    def save():
        report["wall_s"] = round(time.monotonic() - start, 3)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(report, indent=2) + "\n")
        tmp.replace(out)

    def step(name, fn):
        if name not in args.only.split(","):
            report[name] = {"status": "skipped: not in --only"}
            return
        print(f"[{time.monotonic() - start:6.1f} s] {name} ...", flush=True)
        try:
            report[name] = fn()
        except Exception as e:  # one broken step must not cost the others' numbers
            report[name] = {"status": f"failed: {type(e).__name__}: {e}"}
        save()

    train_sizes = ["--steps", "2", "--batch", "2", "--seq-len", "32"] if args.toy else ["--steps", "20"]
    gen_sizes = ["--prompts", "2", "--prompt-len", "8", "--new-tokens", "8"] if args.toy else ["--prompts", "64", "--prompt-len", "128", "--new-tokens", "256"]
    presets = ["smoke"] if args.toy else ["small", "base"]
    step("parity", lambda: parity(args, env, work, budget))
    step("bench_train", lambda: [bench(args, env, budget, "train", p, train_sizes) for p in presets])
    step("bench_generate", lambda: [bench(args, env, budget, "generate", p, gen_sizes) for p in presets])
    step("anchor", lambda: anchor(args, torch_info, budget))
    step("flywheel", lambda: flywheel(args, env, work, budget))
    report["finished_utc"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    save()
    print(f"wrote {out} ({report['wall_s']:.0f} s): parity {report['parity']['status']}; flywheel {report['flywheel']['status']}; "
          f"anchor {report['anchor']['status']}")
    # The run fails on a parity miss, a failed benchmark or a crashed flywheel; the anchor is a reference only.
    rows = [r for key in ("parity", "bench_train", "bench_generate", "flywheel") for r in (report[key] if isinstance(report[key], list) else [report[key]])]
    ok = all(r["status"] in ("passed", "ok", "completed") or r["status"].startswith(("skipped", "stopped at the budget")) for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
