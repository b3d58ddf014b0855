#!/usr/bin/env python3
"""Runs the pods of chart_pods.py on Docker as a kubelet would, on one machine, and reports how each
container ended. Used by scripts/check-images.sh.

A pod is what Kubernetes makes of it:
  - a pause container holds the pod's network namespace; a veth pair puts it on a bridge of this
    machine with an address of its own (198.18.64.0/24 by default), so every pod listens on the chart's
    fixed ports without colliding; an /etc/hosts names every pod by its headless-Service DNS name
    (the cluster DNS stand-in), one line per pod as the kubelet writes it ("IP FQDN HOSTNAME");
  - init containers run one after another and must exit 0; then the containers start
    (--network container:<pause>, so a restarted container keeps the pod's address and volumes);
  - a container that exits non-zero is started again (restartPolicy Always / OnFailure, the kubelet's
    back-off shortened to 2 s); one that exits 0 has finished (the run is over; see the report);
  - probes are polled from this machine; a liveness probe failing failureThreshold times in a row
    restarts the container, as the kubelet does;
  - every container's /metrics (its ports named metrics*) is scraped every few seconds into OUT/metrics
    (the last scrape of each container start: POD-PORT-startN.prom).
When the --until pod (the coordinator) has ended with 0 and the others have had --grace seconds, the rest (sshd-only learner workers,
which run until deleted) are stopped with their termination grace period, as `helm uninstall` or the MPI
operator's cleanPodPolicy would.

Usage: pod_runner.py PODS.json OUT --until POD [--grace S] [--subnet 198.18.64] [--run-dir DIR --kill "POD|AFTER_LOG|GLOB|COUNT"] [--timeout S]
OUT/report.json: per container the exit code, restarts, whether it was stopped, readiness; wall time.
"""
import argparse
import base64
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

LABEL = "remit-check"


def sh(*cmd, check=True, capture=True):
    r = subprocess.run(cmd, capture_output=capture, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout.strip() if capture else ""


class Runner:
    def __init__(self, plan, out, subnet, tag):
        self.plan, self.out, self.subnet, self.tag = plan, os.path.abspath(out), subnet, tag
        self.bridge = f"rci{tag}"
        self.pods = plan["pods"]
        self.ip = {p["name"]: f"{subnet}.{10 + i}" for i, p in enumerate(self.pods)}
        self.state = {}  # container id -> dict
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.undo = []  # (description, callable), run in reverse
        self.mounted = []
        self.started_at = time.time()
        os.makedirs(f"{self.out}/logs", exist_ok=True)
        os.makedirs(f"{self.out}/metrics", exist_ok=True)

    def log(self, msg):
        line = f"[{time.time() - self.started_at:7.1f}s] {msg}"
        print(line, flush=True)
        with open(f"{self.out}/runner.log", "a") as f:
            f.write(line + "\n")

    # ------------------------------------------------------------------ network
    def network_up(self):
        # What a run killed with SIGKILL left behind (check-images.sh runs one check at a time): its
        # containers, and the bridge holding this subnet, which would make the new one unreachable.
        stale = sh("docker", "ps", "-aq", "--filter", f"label={LABEL}", check=False).split()
        if stale:
            sh("docker", "rm", "-f", *stale, check=False)
        for line in sh("ip", "-o", "-4", "addr", "show", check=False).splitlines():
            fields = line.split()
            if len(fields) > 3 and fields[3] == f"{self.subnet}.1/24" and fields[1].startswith("rci"):
                self.log(f"removing {fields[1]}, left by an earlier run")
                sh("ip", "link", "del", fields[1], check=False)
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        self.undo.append(("bridge", lambda: sh("ip", "link", "del", self.bridge, check=False)))
        sh("ip", "addr", "add", f"{self.subnet}.1/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        if shutil.which("iptables"):
            rule = ["FORWARD", "-i", self.bridge, "-o", self.bridge, "-j", "ACCEPT"]
            if subprocess.run(["iptables", "-w", "-I", *rule], capture_output=True).returncode == 0:
                self.undo.append(("iptables", lambda: sh("iptables", "-w", "-D", *rule, check=False)))
        hosts = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
        hosts += [f"{self.ip[p['name']]} {p['fqdn']} {p['hostname']} {' '.join(p['aliases'])}" for p in self.pods]
        with open(f"{self.out}/hosts", "w") as f:
            f.write("\n".join(hosts) + "\n")
        os.chmod(f"{self.out}/hosts", 0o644)

    def attach(self, pod, pid, index):
        host_end, pod_end = f"rch{self.tag}-{index}", f"rcp{self.tag}-{index}"
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", pod_end)
        self.undo.append((host_end, lambda: sh("ip", "link", "del", host_end, check=False)))
        sh("ip", "link", "set", host_end, "master", self.bridge, "up")
        sh("ip", "link", "set", pod_end, "netns", str(pid))
        ns = ["nsenter", "-t", str(pid), "-n"]
        sh(*ns, "ip", "link", "set", pod_end, "name", "eth0")
        sh(*ns, "ip", "addr", "add", f"{self.ip[pod['name']]}/24", "dev", "eth0")
        sh(*ns, "ip", "link", "set", "eth0", "up")
        sh(*ns, "ip", "link", "set", "lo", "up")

    # ------------------------------------------------------------------ volumes
    def volume_dir(self, pod, name, vol):
        if vol["type"] == "claim":
            path = f"{self.out}/volumes/claims/{vol['claim']}"
        else:
            path = f"{self.out}/volumes/pods/{pod['name']}/{name}"
        if os.path.isdir(path):
            return path
        os.makedirs(path)
        gid = vol.get("gid")
        if vol["type"] == "files":
            os.chmod(path, 0o755)
            for f in vol["files"]:
                target = os.path.join(path, f["path"])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(base64.b64decode(f["content"]))
                os.chown(target, 0, gid if gid is not None else 0)
                os.chmod(target, f["mode"])
        elif vol["type"] == "emptyDir":
            if vol["memory"]:
                size = vol["sizeLimit"] or "64Mi"
                sh("mount", "-t", "tmpfs", "-o", f"size={size.replace('i', '')},mode=0777", "tmpfs", path)
                self.mounted.append(path)
            # The kubelet makes an emptyDir 0777; with fsGroup, group fsGroup and setgid.
            os.chmod(path, 0o777)
            if gid is not None:
                os.chown(path, 0, gid)
                os.chmod(path, 0o2777)
        else:
            # A new claim is root's; fsGroup (with a volume type that supports it) hands it to the group.
            if gid is not None:
                os.chown(path, 0, gid)
                os.chmod(path, 0o2775)
        return path

    # ------------------------------------------------------------------ containers
    def docker_args(self, pod, c, cname):
        args = ["--name", cname, "--label", f"{LABEL}={self.tag}", "--network", f"container:{self.pause(pod)}",
                "--stop-timeout", str(c["stopTimeout"]), "--pull", "never", *c["docker"],
                "--mount", f"type=bind,src={self.out}/hosts,dst=/etc/hosts,readonly"]
        for m in c["mounts"]:
            src = self.volume_dir(pod, m["volume"], pod["volumes"][m["volume"]])
            args += ["--mount", f"type=bind,src={src},dst={m['path']}" + (",readonly" if m["readOnly"] else "")]
        if c["command"]:
            args += ["--entrypoint", c["command"][0], c["image"], *c["command"][1:], *c["args"]]
        else:
            args += [c["image"], *c["args"]]
        return args

    def pause(self, pod):
        return f"rc{self.tag}-{pod['name']}"

    def start_pod(self, pod, index):
        image = pod["containers"][0]["image"]
        pause = self.pause(pod)
        sh("docker", "run", "-d", "--name", pause, "--label", f"{LABEL}={self.tag}", "--network", "none",
           "--hostname", pod["hostname"], "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
           "--user", "65535:65535", "--pull", "never", "--entrypoint", "sleep", image, "infinity")
        pid = sh("docker", "inspect", "-f", "{{.State.Pid}}", pause)
        self.attach(pod, pid, index)
        for c in pod["init"]:
            cname = f"{pause}.{c['name']}"
            sh("docker", "create", *self.docker_args(pod, c, cname))
            rc = self.run_to_end(cname, f"{pod['name']}.{c['name']}")
            if rc != 0:
                raise RuntimeError(f"init container {pod['name']}/{c['name']} exited {rc}; see {self.out}/logs/{pod['name']}.{c['name']}.log")
        for c in pod["containers"]:
            cname = f"{pause}.{c['name']}"
            sh("docker", "create", *self.docker_args(pod, c, cname))
            st = {"pod": pod["name"], "container": c["name"], "docker": cname, "restarts": 0, "exit": None,
                  "exits": [], "stopped": False, "ready_at": None, "spec": c, "policy": pod["restartPolicy"],
                  "started": time.time()}
            with self.lock:
                self.state[cname] = st
            sh("docker", "start", cname)
            self.follow(cname, f"{pod['name']}.{c['name']}")
            threading.Thread(target=self.supervise, args=(st,), daemon=True).start()
            threading.Thread(target=self.probe_loop, args=(st, self.ip[pod["name"]]), daemon=True).start()
        self.log(f"pod {pod['name']} ({pod['owner']}) up at {self.ip[pod['name']]}")

    def run_to_end(self, cname, logname):
        sh("docker", "start", cname)
        rc = int(sh("docker", "wait", cname))
        with open(f"{self.out}/logs/{logname}.log", "a") as f:
            subprocess.run(["docker", "logs", cname], stdout=f, stderr=subprocess.STDOUT)
        return rc

    def follow(self, cname, logname):
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))
        f = open(f"{self.out}/logs/{logname}.log", "a")
        subprocess.Popen(["docker", "logs", "-f", "--since", since, cname], stdout=f, stderr=subprocess.STDOUT)

    def supervise(self, st):
        while True:
            rc = int(sh("docker", "wait", st["docker"]))
            with self.lock:
                st["exits"].append(rc)
                st["exit"] = rc
                st["ready_at"] = None
            if self.stopping.is_set() or st["stopped"]:
                return
            if rc == 0 or st["policy"] == "Never":
                self.log(f"{st['pod']}/{st['container']} exited {rc}")
                return
            st["restarts"] += 1
            self.log(f"{st['pod']}/{st['container']} exited {rc}: restarting it in its pod (restart {st['restarts']})")
            time.sleep(2)
            sh("docker", "start", st["docker"])
            with self.lock:
                st["exit"] = None  # running again: its earlier exit is history (exits), not how it ended
            self.follow(st["docker"], f"{st['pod']}.{st['container']}")

    def probe_once(self, p, ip):
        try:
            if "http" in p:
                with urllib.request.urlopen(f"http://{ip}:{p['port']}{p['http']}", timeout=p["timeoutSeconds"]) as r:
                    return 200 <= r.status < 400
            import socket
            with socket.create_connection((ip, p["port"]), timeout=p["timeoutSeconds"]):
                return True
        except OSError:
            return False

    def probe_loop(self, st, ip):
        """Startup, then readiness and liveness, each on its own period, as the kubelet runs them."""
        probes = st["spec"]["probes"]
        began, next_at, failures = time.time(), {}, 0
        startup_done = "startupProbe" not in probes
        seen_exits = 0
        while not self.stopping.is_set() and st["exit"] != 0:
            if len(st["exits"]) != seen_exits:  # restarted: the probes start over
                seen_exits, began, next_at, failures = len(st["exits"]), time.time(), {}, 0
                startup_done = "startupProbe" not in probes
            now = time.time()
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                p = probes.get(kind)
                if p is None or now < next_at.get(kind, began + p["initialDelaySeconds"]):
                    continue
                if kind == "startupProbe" and startup_done or kind != "startupProbe" and not startup_done:
                    continue
                if kind == "readinessProbe" and st["ready_at"] is not None:
                    continue
                next_at[kind] = now + p["periodSeconds"]
                good = self.probe_once(p, ip)
                if kind == "startupProbe":
                    startup_done = good
                elif kind == "readinessProbe" and good:
                    st["ready_at"] = round(now - self.started_at, 1)
                elif kind == "livenessProbe":
                    failures = 0 if good else failures + 1
                    if failures >= p["failureThreshold"]:
                        self.log(f"{st['pod']}/{st['container']}: liveness probe failed {failures} times: killing it (the kubelet restarts it)")
                        sh("docker", "kill", st["docker"], check=False)
                        failures = 0
            time.sleep(1)

    # ------------------------------------------------------------------ metrics
    def scrape_loop(self):
        while not self.stopping.is_set():
            for st in list(self.state.values()):
                for name, port in st["spec"]["ports"].items():
                    if not name.startswith("metrics"):
                        continue
                    ip = self.ip[st["pod"]]
                    try:
                        with urllib.request.urlopen(f"http://{ip}:{port}/metrics", timeout=3) as r:
                            text = r.read().decode()
                        # One file per container start: a restarted node serves only what it did since.
                        if text.strip():
                            with open(f"{self.out}/metrics/{st['pod']}-{port}-start{len(st['exits'])}.prom", "w") as f:
                                f.write(text)
                    except OSError:
                        pass
            self.stopping.wait(5)

    # ------------------------------------------------------------------ fault
    def kill_when(self, spec, run_dir):
        pod, after_log, pattern, count = spec.split("|")
        log = None
        while not self.stopping.is_set():
            logs = glob.glob(f"{self.out}/logs/*coordinator*.log")
            text = "".join(open(p, errors="replace").read() for p in logs)
            if after_log in text and len(glob.glob(os.path.join(run_dir, pattern))) >= int(count):
                targets = [st for st in self.state.values() if st["pod"] == pod]
                for st in targets:
                    self.log(f"docker kill {st['docker']} (fault: after '{after_log}' and {count} x {pattern})")
                    sh("docker", "kill", st["docker"])
                return
            time.sleep(0.5)

    # ------------------------------------------------------------------ the run
    def run(self, until, grace, kill, timeout, run_dir):
        self.network_up()
        threading.Thread(target=self.scrape_loop, daemon=True).start()
        waiting = []
        for i, pod in enumerate(self.pods):
            if pod.get("after_ready"):
                waiting.append((i, pod))
            else:
                self.start_pod(pod, i)
        for i, pod in waiting:
            self.wait_ready(pod["after_ready"], timeout)
            self.start_pod(pod, i)
        if kill:
            threading.Thread(target=self.kill_when, args=(kill, run_dir), daemon=True).start()
        # The run is over when the --until pod's containers have exited 0 (the coordinator ends the run); the
        # others then get `grace` seconds to end by themselves, and what still runs (sshd-only learner
        # workers serve until their pod is deleted) is stopped as a pod deletion would stop it.
        deadline = self.started_at + timeout
        final = [st for st in self.state.values() if st["pod"] == until]
        if not final:
            raise RuntimeError(f"--until {until}: no such pod")
        while time.time() < deadline and not all(st["exit"] == 0 for st in final):
            time.sleep(1)
        if not all(st["exit"] == 0 for st in final):
            self.log(f"timeout after {timeout} s: {until} has not finished")
        grace_end = min(deadline, time.time() + grace)
        while time.time() < grace_end and any(st["exit"] is None for st in self.state.values()):
            time.sleep(1)
        for st in self.state.values():
            if st["exit"] is None:
                st["stopped"] = True
                self.log(f"{st['pod']}/{st['container']} still running: docker stop (pod deleted)")
                sh("docker", "stop", "-t", str(st["spec"]["stopTimeout"]), st["docker"], check=False)
        time.sleep(1)
        self.stopping.set()
        report = {"wall_s": round(time.time() - self.started_at, 1), "pods": {p["name"]: self.ip[p["name"]] for p in self.pods},
                  "containers": [{k: st[k] for k in ("pod", "container", "restarts", "exit", "exits", "stopped", "ready_at")}
                                 for st in self.state.values()]}
        with open(f"{self.out}/report.json", "w") as f:
            json.dump(report, f, indent=1)
        return report

    def wait_ready(self, pods, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            sts = [st for st in self.state.values() if st["pod"] in pods]
            if sts and all(st["ready_at"] is not None for st in sts):
                return
            time.sleep(1)
        raise RuntimeError(f"pods {', '.join(pods)} never became ready")

    def down(self):
        self.stopping.set()
        ids = sh("docker", "ps", "-aq", "--filter", f"label={LABEL}={self.tag}", check=False).split()
        if ids:
            sh("docker", "rm", "-f", *ids, check=False)
        for desc, fn in reversed(self.undo):
            fn()
        for path in self.mounted:
            sh("umount", path, check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plan")
    ap.add_argument("out")
    ap.add_argument("--subnet", default="198.18.64")
    ap.add_argument("--until", required=True, help="the pod whose containers end the run (exit 0)")
    ap.add_argument("--grace", type=float, default=30, help="seconds the other pods get to end by themselves")
    ap.add_argument("--kill", default="")
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--run-dir", default="", help="host path of the run directory (for --kill's GLOB)")
    a = ap.parse_args()
    plan = json.load(open(a.plan))
    runner = Runner(plan, a.out, a.subnet, str(os.getpid() % 100000))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        report = runner.run(a.until, a.grace, a.kill, a.timeout, a.run_dir)
    finally:
        runner.down()
    for c in report["containers"]:
        print(f"{c['pod']}/{c['container']}: exit {c['exit']}{' (stopped)' if c['stopped'] else ''}, restarts {c['restarts']}")
    print(f"pod_runner: wall {report['wall_s']} s")


if __name__ == "__main__":
    main()
