// Validates the remit chart's rendered manifests offline (scripts/check-chart.sh runs it).
//
//   node validate.mjs --case NAME FILE.yaml [--expect KIND=N ...] [--expect-min KIND=N ...] [--expect-digest]
//
// For every object in FILE.yaml (the output of `helm template`):
//  1. schema: Kubernetes' own JSON schemas (npm kubernetes-models) for the built-in kinds, the
//     prometheus-operator CRD schemas (@kubernetes-models/prometheus-operator) for ServiceMonitor and
//     PodMonitor, schemas/mpijob-v2beta1.schema.json plus PodTemplateSpec for the MPIJob and
//     schemas/certificate-v1.schema.json for cert-manager's Certificate;
//  2. unknown fields: every key must be a field of its type (the API server's strict field
//     validation; the JSON schemas alone allow anything extra, so a misplaced key would pass);
//  3. the chart's own invariants: references resolve (Services, ConfigMaps, Secrets, volumes,
//     probe ports), shell scripts parse, Services are headless, pods run as non-root with a read-only root and a /tmp
//     emptyDir, GPU requests equal limits, monitors select something, the dashboard parses;
//  4. security: every node has its TLS files from a mounted secret (ca.crt/tls.crt/tls.key, the
//     certificate signed by the CA and matching the key) or says REMIT_INSECURE, and its seed scheme
//     agrees; a node finds the cluster by seeds or by Cluster Bootstrap through the Kubernetes API
//     (then: a management port named as discovery expects, the pod IP as its address, a selector that
//     selects it, enough contact points, its token mounted and a Role that lists pods bound to its
//     account; others mount no token); a NetworkPolicy selects every pod and lets the akka, ssh and
//     management ports be reached only from the release's pods and every node port from somewhere;
//     ssh checks host keys; with --expect-digest every image is pinned by digest.
// Secrets and claims that exist outside the release are named by EXISTING_SECRETS and EXISTING_CLAIMS.
// Then the object counts are checked against --expect (exact) and --expect-min (at least); the
// pseudo-kinds HeadlessService and DashboardConfigMap count those. Prints one summary line per case
// and every problem; exits 1 if there is any.

import { readFileSync, existsSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.cwd(), "package.json"));

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
let caseName = "render";
let file = null;
let expectDigest = false;
const exact = new Map();
const atLeast = new Map();
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--case") caseName = args[++i];
  else if (a === "--expect-digest") expectDigest = true;
  else if (a === "--expect" || a === "--expect-min") {
    const [kind, n] = args[++i].split("=");
    (a === "--expect" ? exact : atLeast).set(kind, Number(n));
  } else file = a;
}
if (!file) {
  console.error("usage: node validate.mjs --case NAME FILE.yaml [--expect KIND=N] [--expect-min KIND=N]");
  process.exit(2);
}

const problems = [];
const fail = (obj, msg) => problems.push(`${obj ? `${obj.kind}/${obj.metadata?.name}: ` : ""}${msg}`);

// ---------------------------------------------------------------- parse
const docs = parseAllDocuments(readFileSync(file, "utf8"));
const objects = [];
for (const doc of docs) {
  if (doc.errors.length) { fail(null, `YAML: ${doc.errors.map((e) => e.message).join("; ")}`); continue; }
  const o = doc.toJS();
  if (o == null) continue; // an empty document (a template that rendered nothing)
  if (typeof o !== "object" || !o.apiVersion || !o.kind || !o.metadata?.name) {
    fail(null, `not a Kubernetes object (needs apiVersion, kind, metadata.name): ${JSON.stringify(o).slice(0, 120)}`);
    continue;
  }
  objects.push(o);
}

// ---------------------------------------------------------------- 1. schemas
const models = {
  "v1/ConfigMap": core.ConfigMap,
  "v1/Secret": core.Secret,
  "v1/Service": core.Service,
  "v1/ServiceAccount": core.ServiceAccount,
  "v1/PersistentVolumeClaim": core.PersistentVolumeClaim,
  "apps/v1/StatefulSet": apps.StatefulSet,
  "networking.k8s.io/v1/NetworkPolicy": networking.NetworkPolicy,
  "rbac.authorization.k8s.io/v1/Role": rbac.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": rbac.RoleBinding,
  "monitoring.coreos.com/v1/ServiceMonitor": monitoring.ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": monitoring.PodMonitor,
};
const ajv = new Ajv({ allErrors: true, strict: false });
const validateMpiJob = ajv.compile(JSON.parse(readFileSync(join(here, "schemas", "mpijob-v2beta1.schema.json"), "utf8")));
const validateCertificate = ajv.compile(JSON.parse(readFileSync(join(here, "schemas", "certificate-v1.schema.json"), "utf8")));

function schemaCheck(o) {
  const key = `${o.apiVersion}/${o.kind}`;
  if (key === "kubeflow.org/v2beta1/MPIJob") {
    if (!validateMpiJob(o)) fail(o, `schema: ${ajv.errorsText(validateMpiJob.errors)}`);
    for (const [type, spec] of Object.entries(o.spec?.mpiReplicaSpecs ?? {})) {
      if (!spec?.template) continue;
      tryValidate(o, `${type} template`, () => new core.PodTemplateSpec(spec.template).validate());
      strictCheck(o, spec.template, typeFile("kubernetes-models/v1/PodTemplateSpec"), `spec.mpiReplicaSpecs.${type}.template`);
    }
    return;
  }
  if (key === "cert-manager.io/v1/Certificate") {
    if (!validateCertificate(o)) fail(o, `schema: ${ajv.errorsText(validateCertificate.errors)}`);
    return;
  }
  const Model = models[key];
  if (!Model) { fail(o, `no schema for ${key}: add it to validate.mjs`); return; }
  tryValidate(o, "schema", () => new Model(o).validate());
  strictCheck(o, o, modelFile(key), "");
}

function tryValidate(o, what, fn) {
  try { fn(); } catch (e) { fail(o, `${what}: ${e.message}`); }
}

// ---------------------------------------------------------------- 2. unknown fields
// The models' .d.ts files name every field of every type: `"field"?: Type;` inside
// `export interface I… {`, with the field types imported from sibling files. Types that are not
// interfaces (Quantity, IntOrString, Time, maps) are leaves.
function modelFile(key) {
  const [kind] = key.split("/").slice(-1);
  if (key.startsWith("monitoring.coreos.com/")) return typeFile(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`);
  if (key.startsWith("apps/")) return typeFile(`kubernetes-models/apps/v1/${kind}`);
  if (key.startsWith("networking.k8s.io/")) return typeFile(`kubernetes-models/networking.k8s.io/v1/${kind}`);
  if (key.startsWith("rbac.authorization.k8s.io/")) return typeFile(`kubernetes-models/rbac.authorization.k8s.io/v1/${kind}`);
  return typeFile(`kubernetes-models/v1/${kind}`);
}

function typeFile(spec) {
  // Resolve a package path to its .d.ts without going through the packages' export maps.
  const parts = spec.split("/");
  const pkgLen = spec.startsWith("@") ? 2 : 1;
  const pkgDir = dirname(require.resolve(`${parts.slice(0, pkgLen).join("/")}/package.json`));
  return join(pkgDir, ...parts.slice(pkgLen)) + ".d.ts";
}

const typeCache = new Map();
function fieldsOf(path) {
  if (typeCache.has(path)) return typeCache.get(path);
  let info = null;
  if (existsSync(path)) {
    const text = readFileSync(path, "utf8");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports.set(m[1], m[2]);
    const start = text.search(/^export interface \w+[^{]*\{$/m);
    if (start >= 0) {
      const body = text.slice(start, text.indexOf("\n}", start));
      const fields = new Map();
      for (const m of body.matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) {
        const t = m[2].replace(/;$/, "").trim();
        const ref = /^(?:Array<)?(I\w+)>?$/.exec(t);
        let target = null;
        if (ref && imports.has(ref[1])) {
          const from = imports.get(ref[1]);
          target = from.startsWith(".") ? resolve(dirname(path), from.replace(/\.js$/, ".d.ts")) : typeFile(from);
        }
        fields.set(m[1], target);
      }
      info = fields;
    }
  }
  typeCache.set(path, info);
  return info;
}

let strictChecked = 0;
function strictCheck(o, value, path, where) {
  if (value == null || typeof value !== "object") return;
  if (Array.isArray(value)) { value.forEach((v, i) => strictCheck(o, v, path, `${where}[${i}]`)); return; }
  const fields = path && fieldsOf(path);
  if (!fields) return; // a leaf type (map, Quantity, IntOrString, …)
  strictChecked++;
  for (const [k, v] of Object.entries(value)) {
    const at = where ? `${where}.${k}` : k;
    if (!fields.has(k)) { fail(o, `unknown field ${at} (not a field of ${path.split("/").slice(-1)[0].replace(".d.ts", "")})`); continue; }
    strictCheck(o, v, fields.get(k), at);
  }
}

for (const o of objects) schemaCheck(o);

// ---------------------------------------------------------------- 3. the chart's invariants
const byKind = (kind) => objects.filter((o) => o.kind === kind);
const services = byKind("Service");
const configMaps = new Set(byKind("ConfigMap").map((o) => o.metadata.name));
// Secrets a pod may mount: rendered ones, those a rendered Certificate writes, and declared existing ones.
const secrets = new Set([...byKind("Secret").map((o) => o.metadata.name), ...byKind("Certificate").map((c) => c.spec.secretName),
                         ...(process.env.EXISTING_SECRETS?.split(",").filter(Boolean) ?? [])]);
const claims = new Set(byKind("PersistentVolumeClaim").map((o) => o.metadata.name));
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

for (const s of services) {
  if (!dnsLabel.test(s.metadata.name) || s.metadata.name.length > 63) fail(s, "Service name is not a DNS label (≤63, [a-z0-9-])");
  if (s.spec?.clusterIP !== "None") fail(s, "role Services must be headless (clusterIP: None): pods need stable DNS names");
  if (!s.spec?.publishNotReadyAddresses) fail(s, "publishNotReadyAddresses must be true: members resolve each other before they are ready");
}

// Every pod template, with where it comes from.
const pods = [];
for (const ss of byKind("StatefulSet")) {
  pods.push({ owner: ss, template: ss.spec.template, where: "spec.template" });
  const svc = services.find((s) => s.metadata.name === ss.spec.serviceName);
  if (!svc) fail(ss, `serviceName ${ss.spec.serviceName} is not a Service of the release`);
  else if (!matches(svc.spec.selector, ss.spec.template.metadata?.labels)) fail(ss, `Service ${svc.metadata.name} does not select its pods`);
  if (!matches(ss.spec.selector?.matchLabels, ss.spec.template.metadata?.labels)) fail(ss, "selector does not match the pod template labels");
  if (`${ss.metadata.name}-${ss.spec.replicas ?? 1}`.length > 63) fail(ss, "pod host names would exceed 63 characters");
}
for (const job of byKind("MPIJob")) {
  for (const [type, spec] of Object.entries(job.spec.mpiReplicaSpecs)) pods.push({ owner: job, template: spec.template, where: type, mpi: type });
  const workerLabels = job.spec.mpiReplicaSpecs.Worker.template.metadata?.labels;
  if (!services.some((s) => matches(s.spec.selector, workerLabels))) fail(job, "no Service selects the worker pods (scraping needs one)");
}

for (const { owner, template, where, mpi } of pods) {
  const spec = template.spec;
  const psc = spec.securityContext ?? {};
  if (psc.runAsNonRoot !== true) fail(owner, `${where}: pod securityContext.runAsNonRoot must be true`);
  if (!(psc.runAsUser > 0)) fail(owner, `${where}: pod securityContext.runAsUser must be a non-zero uid`);
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  for (const v of volumes.values()) {
    if (v.configMap && !configMaps.has(v.configMap.name)) fail(owner, `${where}: volume ${v.name} uses ConfigMap ${v.configMap.name}, which the release lacks`);
    if (v.secret && !secrets.has(v.secret.secretName)) fail(owner, `${where}: volume ${v.name} uses Secret ${v.secret.secretName}, which the release lacks (rendered, from a Certificate, or in EXISTING_SECRETS)`);
    if (v.persistentVolumeClaim && !claims.has(v.persistentVolumeClaim.claimName) && !process.env.EXISTING_CLAIMS?.split(",").includes(v.persistentVolumeClaim.claimName))
      fail(owner, `${where}: volume ${v.name} uses claim ${v.persistentVolumeClaim.claimName}, which is neither rendered nor declared existing`);
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const at = `${where}/${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) fail(owner, `${at}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) fail(owner, `${at}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail(owner, `${at}: capabilities must drop ALL`);
    if (/:latest$|^[^:]+$/.test(c.image)) fail(owner, `${at}: image ${c.image} has no pinned tag`);
    if (expectDigest && !/@sha256:[a-f0-9]{64}$/.test(c.image)) fail(owner, `${at}: image ${c.image} is not pinned by digest`);
    const mounts = c.volumeMounts ?? [];
    for (const m of mounts) if (!volumes.has(m.name)) fail(owner, `${at}: volumeMount ${m.name} has no volume`);
    const tmp = mounts.find((m) => m.mountPath === "/tmp");
    if (!tmp || !volumes.get(tmp.name)?.emptyDir) fail(owner, `${at}: /tmp must be an emptyDir (the root filesystem is read-only)`);
    const ports = new Set((c.ports ?? []).map((p) => p.name));
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
      const p = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
      if (typeof p === "string" && !ports.has(p)) fail(owner, `${at}: ${probe} uses port ${p}, which the container does not declare`);
    }
    const isNode = c.name !== "ssh-keys" && mpi !== "Launcher";
    if (isNode && !c.readinessProbe) fail(owner, `${at}: a node container needs a readiness probe`);
    if (isNode && !c.livenessProbe) fail(owner, `${at}: a node container needs a liveness probe`);
    const node = (c.args ?? []).includes("node") || mpi === "Worker" || c.name === "learner";
    if (node && !ports.has("metrics")) fail(owner, `${at}: a node container must declare the metrics port`);
    const gpuReq = c.resources?.requests?.["nvidia.com/gpu"];
    const gpuLim = c.resources?.limits?.["nvidia.com/gpu"];
    if ((gpuReq ?? gpuLim) !== undefined && String(gpuReq) !== String(gpuLim)) fail(owner, `${at}: nvidia.com/gpu requests (${gpuReq}) must equal limits (${gpuLim})`);
    const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
    // (The MPIJob launcher only forwards REMIT_DEVICE to the ranks; it runs none itself.)
    if (env.get("REMIT_DEVICE") === "cuda" && !(gpuLim > 0) && mpi !== "Launcher") fail(owner, `${at}: REMIT_DEVICE=cuda without an nvidia.com/gpu limit`);
    const seeds = env.get("REMIT_SEED_NODES");
    if (seeds !== undefined) {
      const list = seeds.split(",");
      // Coordinator-0 forms the cluster (Akka's first seed); the others let a restarted coordinator rejoin.
      if (!/^akka(?:\.ssl)?\.tcp:\/\/remit@[a-z0-9-]+-coordinator-0\./.test(list[0]))
        fail(owner, `${at}: the first seed must be coordinator-0 (it forms the cluster), got ${list[0]}`);
      for (const seed of list) {
        const m = /^(akka(?:\.ssl)?\.tcp):\/\/remit@([a-z0-9-]+)-0\.([a-z0-9-]+)\.[a-z0-9-]+\.svc\.[a-z0-9.-]+:\d+$/.exec(seed)?.slice(1);
        if (!m) fail(owner, `${at}: REMIT_SEED_NODES entry ${seed} is not akka[.ssl].tcp://remit@<set>-0.<service>.<ns>.svc.<domain>:<port>`);
        else if ((m[0] === "akka.ssl.tcp") !== env.has("REMIT_TLS_CA")) fail(owner, `${at}: seed scheme ${m[0]} does not match TLS ${env.has("REMIT_TLS_CA") ? "on" : "off"}`);
        else if (!byKind("StatefulSet").some((s) => s.metadata.name === m[1] && s.spec.serviceName === m[2] && s.spec.replicas > 0))
          fail(owner, `${at}: the seed ${m[1]}-0.${m[2]} is not a pod of a rendered StatefulSet`);
      }
    }
    if (env.has("REMIT_ROLE")) tlsCheck(owner, at, env, mounts, volumes);
    if (env.has("REMIT_ROLE")) discoveryCheck(owner, at, template, c, env);
  }
}

for (const mon of [...byKind("ServiceMonitor"), ...byKind("PodMonitor")]) {
  const sel = mon.spec.selector?.matchLabels;
  const endpoints = mon.spec.endpoints ?? mon.spec.podMetricsEndpoints ?? [];
  if (mon.kind === "ServiceMonitor") {
    const selected = services.filter((s) => matches(sel, s.metadata.labels));
    if (!selected.length) fail(mon, "selects no Service of the release");
    const names = new Set(selected.flatMap((s) => s.spec.ports.map((p) => p.name)));
    for (const e of endpoints) if (!names.has(e.port)) fail(mon, `endpoint port ${e.port} is on no selected Service`);
  } else {
    const selected = pods.filter((p) => matches(sel, p.template.metadata?.labels));
    if (!selected.length) fail(mon, "selects no pod of the release");
    const names = new Set(selected.flatMap((p) => p.template.spec.containers.flatMap((c) => (c.ports ?? []).map((x) => x.name))));
    for (const e of endpoints) if (!names.has(e.port)) fail(mon, `endpoint port ${e.port} is on no selected pod`);
  }
}

// Shell scripts in ConfigMaps (the learner launcher and rank wrapper) must at least parse.
for (const cm of byKind("ConfigMap")) {
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    if (!k.endsWith(".sh")) continue;
    const shell = /^#!\s*(\S+)/.exec(v)?.[1] ?? "/bin/sh";
    const dir = mkdtempSync(join(tmpdir(), "remit-sh-"));
    writeFileSync(join(dir, k), v);
    const r = spawnSync(shell, ["-n", join(dir, k)], { encoding: "utf8" });
    rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) fail(cm, `${k} does not parse with ${shell}: ${(r.stderr || r.error?.message || "").trim()}`);
  }
}

const dashboards = byKind("ConfigMap").filter((c) => Object.keys(c.data ?? {}).some((k) => k.endsWith(".json")) && c.metadata.name.endsWith("-dashboard"));
for (const d of dashboards) {
  if (!Object.values(d.metadata.labels ?? {}).length) fail(d, "the dashboard ConfigMap needs the Grafana sidecar label");
  for (const [k, v] of Object.entries(d.data)) {
    try {
      const dash = JSON.parse(v);
      if (!Array.isArray(dash.panels) || !dash.panels.length) fail(d, `${k}: dashboard has no panels`);
    } catch (e) { fail(d, `${k}: not JSON: ${e.message}`); }
  }
}

// ---------------------------------------------------------------- 4. security
// How a node finds the cluster. REMIT_DISCOVERY=kubernetes (Cluster Bootstrap): no seeds; a named management
// port that REMIT_MANAGEMENT_PORT names; REMIT_MANAGEMENT_HOSTNAME = the pod IP (how it recognises itself among the
// discovered pods); a label selector that selects its own pod; enough contact points to ever form a cluster; the
// service account token mounted, and a Role in the release that lets that account list pods. Any other node
// joins seeds (REMIT_SEED_NODES, checked above) and mounts no token it does not need.
function discoveryCheck(owner, at, template, c, env) {
  const spec = template.spec;
  if (env.get("REMIT_DISCOVERY") !== "kubernetes") {
    if (!env.has("REMIT_SEED_NODES")) fail(owner, `${at}: a node needs REMIT_SEED_NODES or REMIT_DISCOVERY=kubernetes to find the cluster`);
    if (spec.automountServiceAccountToken !== false) fail(owner, `${at}: mounts the service account token without using the API (automountServiceAccountToken must be false)`);
    return;
  }
  if (env.has("REMIT_SEED_NODES")) fail(owner, `${at}: REMIT_SEED_NODES and REMIT_DISCOVERY=kubernetes exclude each other`);
  const portName = env.get("REMIT_MANAGEMENT_PORT_NAME") ?? "management";
  const port = (c.ports ?? []).find((p) => p.name === portName);
  if (!port) fail(owner, `${at}: bootstraps through Kubernetes but declares no container port named ${portName} (discovery finds contact points by it)`);
  else if (String(port.containerPort) !== env.get("REMIT_MANAGEMENT_PORT"))
    fail(owner, `${at}: port ${portName} is ${port.containerPort} but REMIT_MANAGEMENT_PORT is ${env.get("REMIT_MANAGEMENT_PORT")}`);
  const envList = c.env ?? [];
  const podIp = envList.findIndex((e) => e.valueFrom?.fieldRef?.fieldPath === "status.podIP");
  const host = envList.findIndex((e) => e.name === "REMIT_MANAGEMENT_HOSTNAME");
  if (podIp < 0 || host < podIp || envList[host].value !== `$(${envList[podIp].name})`)
    fail(owner, `${at}: REMIT_MANAGEMENT_HOSTNAME must be the pod IP ($(VAR) of an earlier variable from status.podIP)`);
  if (!env.get("REMIT_K8S_NAMESPACE")) fail(owner, `${at}: REMIT_K8S_NAMESPACE is not set`);
  const selector = env.get("REMIT_K8S_LABEL_SELECTOR") ?? "";
  const terms = selector.split(",").map((t) => t.split("="));
  if (!selector || terms.some((t) => t.length !== 2)) fail(owner, `${at}: REMIT_K8S_LABEL_SELECTOR ${selector} is not key=value[,key=value]`);
  else {
    const wanted = Object.fromEntries(terms);
    if (!matches(wanted, template.metadata?.labels)) fail(owner, `${at}: REMIT_K8S_LABEL_SELECTOR ${selector} does not select its own pod`);
    // The contact points: every bootstrapping pod the selector selects; the required number must be reachable.
    const contactPoints = pods.filter((p) => matches(wanted, p.template.metadata?.labels)
      && p.template.spec.containers.some((x) => (x.ports ?? []).some((q) => q.name === portName)))
      .reduce((n, p) => n + (p.owner.kind === "StatefulSet" ? (p.owner.spec.replicas ?? 1) : 1), 0);
    const required = Number(env.get("REMIT_K8S_REQUIRED_CONTACT_POINTS") ?? 2);
    if (!(required >= 1) || required > contactPoints)
      fail(owner, `${at}: REMIT_K8S_REQUIRED_CONTACT_POINTS ${required} but the selector finds ${contactPoints} contact point pod(s): the cluster could never form`);
  }
  if (spec.automountServiceAccountToken !== true) fail(owner, `${at}: bootstraps through the Kubernetes API without the service account token (automountServiceAccountToken: true)`);
  const account = spec.serviceAccountName ?? "default";
  const canList = (role) => (role.rules ?? []).some((r) => (r.apiGroups ?? []).includes("") && (r.resources ?? []).includes("pods") && (r.verbs ?? []).includes("list"));
  const bound = byKind("RoleBinding").some((b) => b.roleRef?.kind === "Role"
    && byKind("Role").some((r) => r.metadata.name === b.roleRef.name && canList(r))
    && (b.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === account));
  if (!bound) fail(owner, `${at}: no RoleBinding grants ServiceAccount ${account} a Role that lists pods (Cluster Bootstrap needs it)`);
}

// A node (it has REMIT_ROLE) either runs mutual TLS, with all three files in a mounted secret volume,
// or says REMIT_INSECURE=1; nothing in between.
function tlsCheck(owner, at, env, mounts, volumes) {
  const files = ["REMIT_TLS_CA", "REMIT_TLS_CERT", "REMIT_TLS_KEY"];
  const set = files.filter((f) => env.has(f));
  if (set.length === 0) {
    if (env.get("REMIT_INSECURE") !== "1") fail(owner, `${at}: a node needs ${files.join(", ")} or REMIT_INSECURE=1`);
    return;
  }
  if (set.length < 3) { fail(owner, `${at}: only ${set.join(", ")} of ${files.join(", ")} set`); return; }
  if (env.has("REMIT_INSECURE")) fail(owner, `${at}: both REMIT_TLS_* and REMIT_INSECURE set`);
  for (const f of files) {
    const path = env.get(f);
    const mount = mounts.find((m) => path.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const volume = mount && volumes.get(mount.name);
    if (!volume?.secret) { fail(owner, `${at}: ${f}=${path} is not in a mounted secret volume`); continue; }
    const key = path.slice(mount.mountPath.replace(/\/?$/, "/").length);
    const items = volume.secret.items;
    if (items && !items.some((i) => i.path === key)) fail(owner, `${at}: ${f}=${path}: the secret volume does not project ${key}`);
    const secret = byKind("Secret").find((s) => s.metadata.name === volume.secret.secretName);
    if (secret && !items && !(key in (secret.data ?? {}))) fail(owner, `${at}: ${f}=${path}: Secret ${secret.metadata.name} has no key ${key}`);
  }
}

// A rendered TLS secret: the node certificate is signed by ca.crt, is a TLS server and client
// certificate, and tls.key is its key; ca.crt is a CA.
const EKU_SERVER = "1.3.6.1.5.5.7.3.1", EKU_CLIENT = "1.3.6.1.5.5.7.3.2";
for (const s of byKind("Secret")) {
  const d = s.data ?? {};
  if (!("tls.crt" in d || "ca.crt" in d)) continue;
  for (const k of ["ca.crt", "tls.crt", "tls.key"]) if (!(k in d)) fail(s, `TLS secret without ${k}`);
  if (!["ca.crt", "tls.crt", "tls.key"].every((k) => k in d)) continue;
  try {
    const pem = (k) => Buffer.from(d[k], "base64").toString("utf8");
    const ca = new X509Certificate(pem("ca.crt"));
    const leaf = new X509Certificate(pem("tls.crt"));
    if (!ca.ca) fail(s, "ca.crt is not a CA certificate");
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) fail(s, "tls.crt is not signed by ca.crt");
    if (!leaf.checkPrivateKey(createPrivateKey(pem("tls.key")))) fail(s, "tls.key is not the key of tls.crt");
    const eku = leaf.keyUsage ?? [];
    if (!eku.includes(EKU_SERVER) || !eku.includes(EKU_CLIENT)) fail(s, `tls.crt must allow TLS server and client use (each node is both), has ${eku.join(", ")}`);
  } catch (e) { fail(s, `TLS secret does not parse: ${e.message}`); }
}

// Network policies: every pod selected; akka and ssh reachable only from the release's pods; every
// port a node serves reachable from somewhere (else the cluster could not form).
const policies = byKind("NetworkPolicy");
if (policies.length) {
  for (const { owner, template, where } of pods) {
    const labels = template.metadata?.labels;
    const selecting = policies.filter((np) => matches(np.spec.podSelector?.matchLabels, labels));
    if (!selecting.length) { fail(owner, `${where}: no NetworkPolicy selects these pods`); continue; }
    const rules = selecting.flatMap((np) => (np.spec.policyTypes ?? ["Ingress"]).includes("Ingress") ? (np.spec.ingress ?? []).map((r) => ({ np, r })) : []);
    const allowed = (port) => rules.filter(({ r }) => !r.ports || r.ports.some((p) => p.port === port.containerPort || p.port === port.name));
    for (const c of template.spec.containers) {
      for (const port of c.ports ?? []) {
        const kind = /^(akka|ssh|metrics|management)/.exec(port.name)?.[1];
        if (!kind) continue;
        const rs = allowed(port);
        if (!rs.length) fail(owner, `${where}/${c.name}: port ${port.name} (${port.containerPort}) is reachable from nowhere`);
        if (kind === "metrics") continue;
        for (const { np, r } of rs) {
          const peers = r.from ?? [];
          const ownOnly = peers.length > 0 && peers.every((peer) => !peer.namespaceSelector && !peer.ipBlock && peer.podSelector
            && Object.keys(peer.podSelector.matchLabels ?? {}).length > 0 && matches(peer.podSelector.matchLabels, labels)
            && matches(np.spec.podSelector.matchLabels, peer.podSelector.matchLabels));
          if (!ownOnly) fail(np, `${where}/${c.name}: port ${port.name} (${port.containerPort}) is open to more than the release's pods: ${JSON.stringify(r.from ?? "everyone")}`);
        }
      }
    }
  }
}

// ssh between learner pods checks host keys.
for (const cm of byKind("ConfigMap")) {
  const launch = cm.data?.["learner-launch.sh"];
  if (launch === undefined) continue;
  if (/StrictHostKeyChecking=no|UserKnownHostsFile=\/dev\/null/.test(launch)) fail(cm, "learner-launch.sh turns ssh host key checking off");
  if (!/StrictHostKeyChecking=yes/.test(launch)) fail(cm, "learner-launch.sh must run ssh with StrictHostKeyChecking=yes");
}

// ---------------------------------------------------------------- counts
const counts = new Map();
const bump = (k) => counts.set(k, (counts.get(k) ?? 0) + 1);
for (const o of objects) bump(o.kind);
for (const s of services) if (s.spec?.clusterIP === "None") bump("HeadlessService");
for (let i = 0; i < dashboards.length; i++) bump("DashboardConfigMap");
for (const [k, n] of exact) if ((counts.get(k) ?? 0) !== n) fail(null, `expected exactly ${n} ${k}, rendered ${counts.get(k) ?? 0}`);
for (const [k, n] of atLeast) if ((counts.get(k) ?? 0) < n) fail(null, `expected at least ${n} ${k}, rendered ${counts.get(k) ?? 0}`);

const summary = [...counts].filter(([k]) => !["HeadlessService", "DashboardConfigMap"].includes(k))
  .map(([k, n]) => `${n} ${k}`).join(", ");
const extra = `${counts.get("HeadlessService") ?? 0} headless, ${counts.get("DashboardConfigMap") ?? 0} dashboard`;
if (problems.length) {
  console.log(`FAIL ${caseName}: ${objects.length} objects (${summary}; ${extra})`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log(`ok   ${caseName}: ${objects.length} objects valid, ${strictChecked} typed fields checked (${summary}; ${extra})`);
