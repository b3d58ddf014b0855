// Checks cluster/docker/Dockerfile.* offline (no Docker engine, no hadolint here): it parses each
// Dockerfile into instructions and asserts what the images rely on. Run by scripts/check-docker.sh.
//
//  - every stage is named (FROM … AS name) and every base image has a pinned tag, never `latest`
//    (ARG defaults are substituted first);
//  - COPY --from names an earlier stage; COPY sources exist and are not excluded by .dockerignore;
//  - the restore layer copies every src/*/*.csproj (a new project would otherwise break the build);
//  - apt-get: update and install in one RUN, --no-install-recommends, lists removed; no ADD of URLs;
//  - the final stage runs as a non-root USER, has an exec-form ENTRYPOINT ["remit"], installs
//    openmpi-bin and openssh-server (mpirun and its remote launch) with an unlocked user (sshd
//    refuses key logins to a locked account) and EXPOSEs the chart's ports;
//  - the CUDA image builds with TorchBackend=external and sets LD_LIBRARY_PATH; the CPU one does not.
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = process.argv[2] ?? ".";
const dockerDir = join(root, "cluster", "docker");
const files = readdirSync(dockerDir).filter((f) => f.startsWith("Dockerfile.")).sort();
let problems = 0;
const say = (ok, msg) => { console.log(`${ok ? "ok  " : "FAIL"} ${msg}`); if (!ok) problems++; };

function parse(text) {
  // Join continuation lines, drop comments (also those inside a continued RUN, as Docker does).
  const out = [];
  let cur = "";
  let line = 0;
  for (const [i, raw] of text.split("\n").entries()) {
    if (/^\s*#/.test(raw)) continue;
    if (!cur) line = i + 1;
    if (/\\\s*$/.test(raw)) { cur += raw.replace(/\\\s*$/, " "); continue; }
    cur += raw;
    if (cur.trim()) {
      const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(cur);
      if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line });
    }
    cur = "";
  }
  return out;
}

const ignore = existsSync(join(root, ".dockerignore"))
  ? readFileSync(join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
  : null;
say(ignore !== null, ".dockerignore exists");
const ignored = (p) => (ignore ?? []).some((pat) => {
  const re = new RegExp("^" + pat.replace(/\/$/, "").replace(/[.+^${}()|[\]]/g, "\\$&").replace(/\*\*\//g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, "(.*/)?") + "(/|$)");
  return re.test(p.replace(/\/$/, ""));
});
if (ignore) for (const must of ["src/ReMiT.Cli/bin/x", "src/ReMiT.Cli/obj/x", ".git/x", ".tools/x"])
  say(ignored(must), `.dockerignore excludes ${must.replace(/\/x$/, "/")}`);

const projects = readdirSync(join(root, "src")).filter((d) => existsSync(join(root, "src", d, `${d}.csproj`)))
  .map((d) => `src/${d}/${d}.csproj`);

for (const f of files) {
  const name = `cluster/docker/${f}`;
  const ins = parse(readFileSync(join(dockerDir, f), "utf8"));
  const errs = [];
  const args = new Map();
  const stages = [];
  for (const i of ins) {
    if (i.op === "ARG" && stages.length === 0) {
      const [k, v] = i.args.split("=");
      args.set(k, v ?? "");
    }
    if (i.op === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args);
      const image = m[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? "");
      if (!m[2]) errs.push(`line ${i.line}: stage FROM ${m[1]} has no name (FROM … AS name)`);
      const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "");
      if (!tag) errs.push(`line ${i.line}: base image ${image} has no tag`);
      if (tag === "latest") errs.push(`line ${i.line}: base image ${image} uses the latest tag`);
      stages.push({ name: m[2], image, ins: [] });
      continue;
    }
    if (stages.length) stages.at(-1).ins.push(i);
  }
  if (stages.length < 2) errs.push("expected a multi-stage build (a build stage and a runtime stage)");
  const names = new Set();
  const copied = [];
  for (const st of stages) {
    for (const i of st.ins) {
      if (i.op === "COPY") {
        const from = /--from=(\S+)/.exec(i.args)?.[1];
        const parts = i.args.replace(/--\S+/g, "").trim().split(/\s+/);
        const srcs = parts.slice(0, -1);
        if (from) { if (!names.has(from)) errs.push(`line ${i.line}: COPY --from=${from} names no earlier stage`); continue; }
        for (const s of srcs) {
          copied.push(s);
          if (!existsSync(join(root, s))) errs.push(`line ${i.line}: COPY source ${s} does not exist`);
          else if (ignored(s)) errs.push(`line ${i.line}: COPY source ${s} is excluded by .dockerignore`);
        }
      }
      if (i.op === "ADD" && /https?:\/\//.test(i.args)) errs.push(`line ${i.line}: ADD of a URL (download in a RUN with a checksum, or COPY)`);
      if (i.op === "RUN" && /apt-get\s+install/.test(i.args)) {
        if (!/apt-get\s+update/.test(i.args)) errs.push(`line ${i.line}: apt-get install without apt-get update in the same RUN`);
        if (!/--no-install-recommends/.test(i.args)) errs.push(`line ${i.line}: apt-get install without --no-install-recommends`);
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(i.args)) errs.push(`line ${i.line}: apt lists not removed in the same RUN`);
      }
      if (i.op === "RUN" && /\bsudo\b/.test(i.args)) errs.push(`line ${i.line}: sudo in a RUN`);
    }
    names.add(st.name);
  }
  for (const p of projects)
    if (!copied.some((c) => c === p || c === `${p.split("/").slice(0, 2).join("/")}/`)) errs.push(`the restore layer does not COPY ${p}`);

  const last = stages.at(-1);
  const user = last.ins.filter((i) => i.op === "USER").at(-1)?.args;
  if (!user) errs.push("the final stage sets no USER (it would run as root)");
  else if (/^(root|0)(:|$)/.test(user)) errs.push(`the final stage's USER is ${user} (root)`);
  const entry = last.ins.filter((i) => i.op === "ENTRYPOINT").at(-1)?.args;
  let entryArgs = null;
  try { entryArgs = entry && JSON.parse(entry); } catch { /* shell form */ }
  if (!entry) errs.push("the final stage has no ENTRYPOINT");
  else if (!Array.isArray(entryArgs) || entryArgs[0] !== "remit") errs.push(`ENTRYPOINT ${entry} is not the exec form ["remit", …]`);
  const runText = last.ins.filter((i) => i.op === "RUN").map((i) => i.args).join(" ");
  for (const pkg of ["openmpi-bin", "openssh-server", "openssh-client"])
    if (!new RegExp(`\\b${pkg}\\b`).test(runText)) errs.push(`the final stage does not install ${pkg}`);
  if (/openssh-server/.test(runText) && !/usermod\s+(--password|-p)\s+'\*'/.test(runText))
    errs.push("the runtime user must be unlocked (usermod --password '*'): sshd refuses key logins to useradd's locked account");
  const exposed = last.ins.filter((i) => i.op === "EXPOSE").flatMap((i) => i.args.split(/\s+/));
  for (const port of ["4053", "9464", "2222"]) if (!exposed.includes(port)) errs.push(`the final stage does not EXPOSE ${port}`);
  const env = last.ins.filter((i) => i.op === "ENV").map((i) => i.args).join(" ");
  const publish = stages.flatMap((s) => s.ins).filter((i) => i.op === "RUN" && /dotnet publish/.test(i.args)).map((i) => i.args).join(" ");
  if (!/--self-contained/.test(publish)) errs.push("dotnet publish is not --self-contained");
  if (f.endsWith(".cuda")) {
    if (!/TorchBackend=external/.test(publish)) errs.push("the CUDA image must publish with -p:TorchBackend=external");
    if (!/LD_LIBRARY_PATH=/.test(env)) errs.push("the CUDA image must set LD_LIBRARY_PATH to torch/lib");
  } else if (/TorchBackend=external/.test(publish)) errs.push("the CPU image must keep NuGet's CPU libtorch (no TorchBackend=external)");

  say(errs.length === 0, `${name}: ${stages.map((s) => `${s.name} (${s.image})`).join(" → ")}, USER ${user ?? "-"}, ENTRYPOINT ${entry ?? "-"}`);
  for (const e of errs) console.log(`       - ${e}`);
}
say(files.length >= 2, `${files.length} Dockerfiles checked`);
process.exit(problems ? 1 : 0);
