#!/usr/bin/env python3
"""Turns `helm template` output of helm/remit into the pods Kubernetes would run, each container as
`docker create` arguments, so that scripts/check-images.sh runs exactly what the chart says.

What stands in for what (everything else the chart renders is refused by name, see UNSUPPORTED; Kubernetes
discovery, the chart's default, needs an API server and is refused: render with discovery.mode=seeds):
  StatefulSet       replicas pods <name>-<i>, hostname <name>-<i>, subdomain spec.serviceName
  MPIJob v2beta1    what the MPI operator makes: pods <job>-worker-<i> (subdomain <job>) and <job>-launcher,
                    the Secret <job>-ssh (ECDSA key, mounted at spec.sshAuthMountPath), the ConfigMap
                    <job>-config (hostfile, at /etc/mpi) and the OMPI_MCA_* environment of the launcher
  env               value, and valueFrom.fieldRef metadata.name / metadata.namespace / status.podIP;
                    $(VAR) references expanded as the kubelet does (in env values, command and args)
  command / args    command replaces the image's ENTRYPOINT (--entrypoint + arguments), args its CMD
  securityContext   runAsUser/runAsGroup -> --user, fsGroup -> --group-add and volume ownership,
                    runAsNonRoot -> refused if the uid is 0, readOnlyRootFilesystem -> --read-only,
                    capabilities.drop/add -> --cap-drop/--cap-add, allowPrivilegeEscalation false ->
                    --security-opt no-new-privileges, seccompProfile RuntimeDefault -> Docker's default profile
  volumes           configMap / secret -> files (keys, items, defaultMode/mode, group fsGroup) mounted
                    read-only; emptyDir -> a folder of the pod (medium Memory: a tmpfs) shared by its
                    containers and kept across container restarts; persistentVolumeClaim -> one host folder
                    per claim, shared by every pod (a ReadWriteMany volume), owned as fsGroup makes it
  resources         limits.memory -> --memory, limits.cpu -> --cpus; requests only schedule (one machine here)
  probes            httpGet / tcpSocket on a named or numbered port: pod_runner.py polls them

Usage: chart_pods.py RENDERED.yaml OUT.json   (OUT.json: {"pods": [...], "objects": {...}})
"""
import base64
import json
import re
import subprocess
import sys
import tempfile

import yaml

# Fields of the chart's objects that are understood here; anything else stops the translation by name,
# so a new template field cannot be silently dropped from the check.
POD_FIELDS = {"containers", "initContainers", "volumes", "securityContext", "serviceAccountName",
              "automountServiceAccountToken", "enableServiceLinks", "terminationGracePeriodSeconds",
              "imagePullSecrets", "nodeSelector", "tolerations", "affinity", "priorityClassName",
              "restartPolicy", "hostname", "subdomain"}
CONTAINER_FIELDS = {"name", "image", "imagePullPolicy", "command", "args", "env", "ports", "resources",
                    "securityContext", "volumeMounts", "startupProbe", "livenessProbe", "readinessProbe",
                    "workingDir"}
POD_SECURITY_FIELDS = {"runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "fsGroupChangePolicy", "seccompProfile"}
CONTAINER_SECURITY_FIELDS = {"runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem",
                             "allowPrivilegeEscalation", "capabilities", "seccompProfile"}
PROBE_FIELDS = {"httpGet", "tcpSocket", "initialDelaySeconds", "periodSeconds", "timeoutSeconds",
                "failureThreshold", "successThreshold"}
MOUNT_FIELDS = {"name", "mountPath", "readOnly"}
# Objects that only matter to the API server or to other controllers: nothing runs from them here.
PASSIVE_KINDS = {"ServiceAccount", "NetworkPolicy", "Service", "PersistentVolumeClaim", "ServiceMonitor",
                 "PodMonitor"}


class Refused(Exception):
    pass


def check_keys(where, got, known):
    extra = sorted(set(got) - known)
    if extra:
        raise Refused(f"{where}: {', '.join(extra)} not supported by cluster/docker/check/chart_pods.py; "
                      f"teach it what the kubelet does with it, or drop the field from the chart")


class Cluster:
    """The chart's objects by kind and name, plus what operators would add."""

    def __init__(self, docs, namespace, domain):
        self.namespace, self.domain = namespace, domain
        self.config_maps, self.secrets, self.workloads, self.services = {}, {}, [], {}
        for d in docs:
            kind, name = d["kind"], d["metadata"]["name"]
            if kind == "ConfigMap":
                self.config_maps[name] = {k: v.encode() for k, v in (d.get("data") or {}).items()}
            elif kind == "Secret":
                data = {k: base64.b64decode(v) for k, v in (d.get("data") or {}).items()}
                data.update({k: v.encode() for k, v in (d.get("stringData") or {}).items()})
                self.secrets[name] = data
            elif kind in ("StatefulSet", "MPIJob"):
                self.workloads.append(d)
            elif kind == "Service":
                self.services[name] = d
            elif kind in ("Role", "RoleBinding"):
                # Kubernetes discovery (the chart's default) lists pods through the API server, which Docker does not
                # stand in for; the check renders discovery.mode=seeds (KubernetesBootstrapTests covers discovery).
                raise Refused(f"{kind} {name}: Kubernetes discovery needs an API server, which is not emulated here; "
                              "render with --set discovery.mode=seeds")
            elif kind not in PASSIVE_KINDS:
                raise Refused(f"{kind} {name}: no stand-in for this kind in cluster/docker/check/chart_pods.py")

    def pods(self):
        pods = []
        for w in self.workloads:
            pods += self.statefulset_pods(w) if w["kind"] == "StatefulSet" else self.mpijob_pods(w)
        return pods

    def fqdn(self, pod, subdomain):
        return f"{pod}.{subdomain}.{self.namespace}.svc.{self.domain}"

    def statefulset_pods(self, sts):
        spec = sts["spec"]
        check_keys(f"StatefulSet {sts['metadata']['name']}.spec", spec,
                   {"serviceName", "replicas", "podManagementPolicy", "selector", "template"})
        out = []
        for i in range(int(spec["replicas"])):
            name = f"{sts['metadata']['name']}-{i}"
            out.append(self.pod(name, spec["serviceName"], spec["template"]["spec"], "Always",
                                owner=f"StatefulSet/{sts['metadata']['name']}", ordinal=i))
        return out

    def mpijob_pods(self, job):
        """The pods the MPI operator (kubeflow/mpi-operator v2beta1, OpenMPI) creates for an MPIJob."""
        name, spec = job["metadata"]["name"], job["spec"]
        check_keys(f"MPIJob {name}.spec", spec, {"slotsPerWorker", "mpiImplementation", "sshAuthMountPath",
                                                 "launcherCreationPolicy", "runPolicy", "mpiReplicaSpecs"})
        if spec.get("mpiImplementation", "OpenMPI") != "OpenMPI":
            raise Refused(f"MPIJob {name}: only mpiImplementation OpenMPI is emulated")
        slots = int(spec.get("slotsPerWorker", 1))
        ssh_path = spec.get("sshAuthMountPath", "/root/.ssh")
        workers = spec["mpiReplicaSpecs"]["Worker"]
        launcher = spec["mpiReplicaSpecs"]["Launcher"]
        # The operator's Secret <job>-ssh: an ECDSA key pair (its id_rsa is not an RSA key).
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "521", "-m", "PEM", "-N", "", "-f", f"{d}/k"], check=True)
            private, public = open(f"{d}/k", "rb").read(), open(f"{d}/k.pub", "rb").read()
        self.secrets[f"{name}-ssh"] = {"ssh-privatekey": private, "ssh-publickey": public}
        hostfile = "".join(f"{name}-worker-{i}.{name}.{self.namespace}.svc slots={slots}\n"
                           for i in range(int(workers["replicas"])))
        self.config_maps[f"{name}-config"] = {"hostfile": hostfile.encode(),
                                              "discover_hosts.sh": b"#!/bin/sh\n" + "".join(
                                                  f"echo {line.split()[0]}\n" for line in hostfile.splitlines()).encode()}
        # The ssh volume: 0600 only when mounted at /root/.ssh, else the Secret default (0644).
        ssh_volume = {"name": "ssh-auth", "secret": {"secretName": f"{name}-ssh",
                      **({"defaultMode": 0o600} if ssh_path == "/root/.ssh" else {}),
                      "items": [{"key": "ssh-privatekey", "path": "id_rsa"}, {"key": "ssh-publickey", "path": "id_rsa.pub"},
                                {"key": "ssh-publickey", "path": "authorized_keys"}]}}
        ssh_mount = {"name": "ssh-auth", "mountPath": ssh_path}
        pods = []
        for i in range(int(workers["replicas"])):
            tmpl = self.with_operator_additions(workers["template"]["spec"], [ssh_volume], [ssh_mount],
                                                [{"name": "K_MPI_JOB_ROLE", "value": "worker"}])
            pods.append(self.pod(f"{name}-worker-{i}", name, tmpl, "Always", owner=f"MPIJob/{name} worker", ordinal=i))
        config_volume = {"name": "mpi-job-config", "configMap": {"name": f"{name}-config", "items": [
            {"key": "hostfile", "path": "hostfile", "mode": 0o444},
            {"key": "discover_hosts.sh", "path": "discover_hosts.sh", "mode": 0o555}]}}
        env = [{"name": "K_MPI_JOB_ROLE", "value": "launcher"},
               {"name": "OMPI_MCA_orte_keep_fqdn_hostnames", "value": "true"},
               {"name": "OMPI_MCA_orte_default_hostfile", "value": "/etc/mpi/hostfile"},
               {"name": "OMPI_MCA_plm_rsh_args", "value": "-o ConnectionAttempts=10"},
               {"name": "OMPI_MCA_orte_set_default_slots", "value": str(slots)}]
        tmpl = self.with_operator_additions(launcher["template"]["spec"], [ssh_volume, config_volume],
                                            [ssh_mount, {"name": "mpi-job-config", "mountPath": "/etc/mpi"}], env)
        pod = self.pod(f"{name}-launcher", name, tmpl, launcher.get("restartPolicy", "OnFailure"),
                       owner=f"MPIJob/{name} launcher", ordinal=0)
        pod["after_ready"] = [p["name"] for p in pods] if spec.get("launcherCreationPolicy") == "WaitForWorkersReady" else []
        return pods + [pod]

    @staticmethod
    def with_operator_additions(spec, volumes, mounts, env):
        spec = json.loads(json.dumps(spec))
        spec["volumes"] = (spec.get("volumes") or []) + volumes
        main = spec["containers"][0]
        main["volumeMounts"] = (main.get("volumeMounts") or []) + mounts
        main["env"] = env + (main.get("env") or [])
        return spec

    def pod(self, name, subdomain, spec, restart, owner, ordinal):
        check_keys(f"{owner} pod spec", spec, POD_FIELDS)
        if spec.get("automountServiceAccountToken", True):
            raise Refused(f"{owner}: automountServiceAccountToken is not false; there is no API server to reach here")
        if spec.get("enableServiceLinks", True):
            raise Refused(f"{owner}: enableServiceLinks is not false; service environment variables are not emulated")
        psc = spec.get("securityContext") or {}
        check_keys(f"{owner} pod securityContext", psc, POD_SECURITY_FIELDS)
        self.check_seccomp(owner, psc)
        fs_group = psc.get("fsGroup")
        volumes = {v["name"]: self.volume(owner, v, fs_group) for v in spec.get("volumes") or []}
        fields = {"metadata.name": name, "metadata.namespace": self.namespace}
        grace = int(spec.get("terminationGracePeriodSeconds", 30))
        return {
            "name": name, "owner": owner, "ordinal": ordinal, "restartPolicy": restart,
            "hostname": name, "fqdn": self.fqdn(name, subdomain),
            "aliases": [f"{name}.{subdomain}.{self.namespace}.svc"],
            "volumes": volumes,
            "init": [self.container(owner, c, psc, volumes, fields, grace) for c in spec.get("initContainers") or []],
            "containers": [self.container(owner, c, psc, volumes, fields, grace) for c in spec["containers"]],
        }

    @staticmethod
    def check_seccomp(where, sc):
        profile = (sc.get("seccompProfile") or {}).get("type", "RuntimeDefault")
        if profile != "RuntimeDefault":
            raise Refused(f"{where}: seccompProfile {profile}: only RuntimeDefault (Docker's default profile) is emulated")

    def volume(self, owner, v, fs_group):
        name = v["name"]
        kinds = set(v) - {"name"}
        if kinds == {"configMap"} or kinds == {"secret"}:
            is_secret = "secret" in v
            src = v["secret"] if is_secret else v["configMap"]
            ref = src["secretName"] if is_secret else src["name"]
            check_keys(f"{owner} volume {name}", src, {"secretName" if is_secret else "name", "defaultMode", "items", "optional"})
            data = (self.secrets if is_secret else self.config_maps).get(ref)
            if data is None:
                raise Refused(f"{owner} volume {name}: {'Secret' if is_secret else 'ConfigMap'} {ref} is not in the rendered chart "
                              "(an existingSecret must be made by hand, see scripts/check-images.sh)")
            mode = src.get("defaultMode", 0o644)
            items = src.get("items") or [{"key": k, "path": k} for k in sorted(data)]
            files = []
            for it in items:
                if it["key"] not in data:
                    raise Refused(f"{owner} volume {name}: key {it['key']} missing from {ref}")
                files.append({"path": it["path"], "mode": it.get("mode", mode),
                              "content": base64.b64encode(data[it["key"]]).decode()})
            # The kubelet makes projected files root-owned, group fsGroup when one is set.
            return {"type": "files", "files": files, "gid": fs_group, "readOnly": True}
        if kinds == {"emptyDir"}:
            e = v["emptyDir"] or {}
            check_keys(f"{owner} volume {name}", e, {"medium", "sizeLimit"})
            return {"type": "emptyDir", "memory": e.get("medium") == "Memory", "sizeLimit": str(e.get("sizeLimit", "")),
                    "gid": fs_group}
        if kinds == {"persistentVolumeClaim"}:
            return {"type": "claim", "claim": v["persistentVolumeClaim"]["claimName"], "gid": fs_group}
        raise Refused(f"{owner} volume {name}: {', '.join(sorted(kinds))} volumes are not emulated")

    def container(self, owner, c, psc, volumes, fields, grace):
        where = f"{owner} container {c['name']}"
        check_keys(where, c, CONTAINER_FIELDS)
        env = expand_env(where, c.get("env") or [], fields)
        args = []
        csc = c.get("securityContext") or {}
        check_keys(f"{where} securityContext", csc, CONTAINER_SECURITY_FIELDS)
        self.check_seccomp(where, csc)
        uid, gid = csc.get("runAsUser", psc.get("runAsUser")), csc.get("runAsGroup", psc.get("runAsGroup"))
        if csc.get("runAsNonRoot", psc.get("runAsNonRoot")) and uid == 0:
            raise Refused(f"{where}: runAsNonRoot with runAsUser 0")
        if uid is not None:
            args += ["--user", f"{uid}:{gid if gid is not None else 0}"]
        if psc.get("fsGroup") is not None:
            args += ["--group-add", str(psc["fsGroup"])]
        if csc.get("readOnlyRootFilesystem"):
            args.append("--read-only")
        if csc.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        caps = csc.get("capabilities") or {}
        check_keys(f"{where} capabilities", caps, {"drop", "add"})
        args += [a for cap in caps.get("drop") or [] for a in ("--cap-drop", cap)]
        args += [a for cap in caps.get("add") or [] for a in ("--cap-add", cap)]
        res = c.get("resources") or {}
        check_keys(f"{where} resources", res, {"requests", "limits"})
        limits = res.get("limits") or {}
        check_keys(f"{where} resources.limits", limits, {"memory", "cpu", "ephemeral-storage"})
        if "memory" in limits:
            args += ["--memory", docker_quantity(limits["memory"])]
        if "cpu" in limits:
            args += ["--cpus", str(cpu_quantity(limits["cpu"]))]
        mounts = []
        for m in c.get("volumeMounts") or []:
            check_keys(f"{where} volumeMount {m.get('name')}", m, MOUNT_FIELDS)
            if m["name"] not in volumes:
                raise Refused(f"{where}: volumeMount {m['name']} names no volume of the pod")
            vol = volumes[m["name"]]
            mounts.append({"volume": m["name"], "path": m["mountPath"],
                           "readOnly": bool(m.get("readOnly")) or vol.get("readOnly", False)})
        if c.get("workingDir"):
            args += ["--workdir", c["workingDir"]]
        for k, v in env:
            args += ["--env", f"{k}={v}"]
        values = dict(env)
        command = [expand(s, values) for s in c.get("command") or []]
        cargs = [expand(s, values) for s in c.get("args") or []]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports") or [] if "name" in p}
        probes = {}
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            if kind in c:
                p = c[kind]
                check_keys(f"{where} {kind}", p, PROBE_FIELDS)
                probes[kind] = probe(where, kind, p, ports)
        return {"name": c["name"], "image": c["image"], "pull": c.get("imagePullPolicy", "IfNotPresent"),
                "command": command, "args": cargs, "docker": args, "mounts": mounts, "ports": ports,
                "probes": probes, "stopTimeout": grace}


def probe(where, kind, p, ports):
    def port_of(value):
        if isinstance(value, int):
            return value
        if value not in ports:
            raise Refused(f"{where} {kind}: port {value} is not a named port of the container")
        return ports[value]
    timing = {k: p.get(k, d) for k, d in (("initialDelaySeconds", 0), ("periodSeconds", 10), ("timeoutSeconds", 1),
                                           ("failureThreshold", 3), ("successThreshold", 1))}
    if "httpGet" in p:
        check_keys(f"{where} {kind}.httpGet", p["httpGet"], {"path", "port"})
        return {"http": p["httpGet"].get("path", "/"), "port": port_of(p["httpGet"]["port"]), **timing}
    if "tcpSocket" in p:
        return {"tcp": True, "port": port_of(p["tcpSocket"]["port"]), **timing}
    raise Refused(f"{where} {kind}: only httpGet and tcpSocket probes are emulated")


VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def expand(s, values):
    """Kubernetes' $(VAR) expansion: a defined variable is replaced, $$ is a literal $, anything else is kept."""
    return VAR_REF.sub(lambda m: "$" if m.group(0) == "$$" else values.get(m.group(1), m.group(0)), s)


def expand_env(where, env, fields):
    out, values = [], {}
    for e in env:
        check_keys(f"{where} env {e.get('name')}", e, {"name", "value", "valueFrom"})
        if "valueFrom" in e:
            ref = e["valueFrom"].get("fieldRef")
            if set(e["valueFrom"]) != {"fieldRef"} or ref["fieldPath"] not in fields:
                raise Refused(f"{where} env {e['name']}: only valueFrom.fieldRef of {', '.join(sorted(fields))} is emulated")
            value = fields[ref["fieldPath"]]
        else:
            value = expand(str(e.get("value", "")), values)
        values[e["name"]] = value
        out.append((e["name"], value))
    return out


def docker_quantity(q):
    """A Kubernetes memory quantity (2Gi, 512Mi, 1G) as Docker's --memory value in bytes."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|K|M|G|T)?", str(q))
    if not m:
        raise Refused(f"memory quantity {q} not understood")
    scale = {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    return str(int(m.group(1)) * scale[m.group(2)])


def cpu_quantity(q):
    s = str(q)
    return int(s[:-1]) / 1000 if s.endswith("m") else float(s)


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: chart_pods.py RENDERED.yaml NAMESPACE CLUSTER_DOMAIN OUT.json")
    docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
    try:
        cluster = Cluster(docs, sys.argv[2], sys.argv[3])
        pods = cluster.pods()
    except Refused as e:
        sys.exit(f"chart_pods.py: {e}")
    json.dump({"namespace": sys.argv[2], "pods": pods}, open(sys.argv[4], "w"), indent=1)
    print(f"chart_pods.py: {len(pods)} pods: {' '.join(p['name'] for p in pods)}")


if __name__ == "__main__":
    main()
