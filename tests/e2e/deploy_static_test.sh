#!/usr/bin/env bash
# Static checks of the deploy files (no docker daemon, no cluster needed):
# every YAML in deploy/ parses; the Kubernetes manifests pass the restricted
# Pod Security fields, pin their images, probe through the gRPC health
# service, drain on stop, run migrations in a Job and publish a headless
# Service; compose orders postgres -> migrate -> server by health; every
# flag the manifests and compose pass is one the built binaries accept
# (their --help output); .dockerignore keeps build trees and node_modules
# out of the image's build context (the context is emulated with Docker's
# matching rules) while the sources the build needs stay in; the Dockerfile
# copies binaries the build produces and installs the runtime libraries they
# link; the Grafana dashboard parses and uses only the server's metric names.
# Usage: deploy_static_test.sh REPO BUILD_DIR        (about 2 s)
set -euo pipefail
REPO=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
for b in "$BUILD/server/suppliers-server" "$BUILD/client/suppliers-client"; do
  [ -x "$b" ] || { echo "FAIL: $b not built" >&2; exit 1; }
done
# Debian's python3 has yaml; a pyenv python3 first on PATH may not.
PY=/usr/bin/python3
"$PY" -c 'import yaml' 2>/dev/null || PY=python3
exec "$PY" - "$REPO" "$BUILD" <<'PYEOF'
import fnmatch, json, os, re, shlex, subprocess, sys
import yaml

REPO, BUILD = sys.argv[1], sys.argv[2]
SERVER = os.path.join(BUILD, "server", "suppliers-server")
CLIENT = os.path.join(BUILD, "client", "suppliers-client")
failures = []

def ok(what):
    print(f"ok - {what}")

def check(cond, what, detail=""):
    if cond:
        ok(what)
    else:
        failures.append(what)
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""), file=sys.stderr)
    return cond

def rel(p):
    return os.path.relpath(p, REPO)

# ---------------------------------------------------------------- flags
def help_text(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr

server_help = help_text([SERVER, "--helpfull"])
# Both absl's own layout ("  --name (help); default: x;") and one flag per
# block ("  --name" / help / "default: x") are understood.
def flag_blocks(text, name_re):
    starts = list(re.finditer(r"^\s+--(" + name_re + r")(?=\s|\(|$)", text, re.M))
    return {m.group(1): text[m.end():(starts[i + 1].start() if i + 1 < len(starts) else len(text))]
            for i, m in enumerate(starts)}
server_blocks = flag_blocks(server_help, r"[A-Za-z0-9_]+")
SERVER_FLAGS = set(server_blocks)
check(len(SERVER_FLAGS) > 20 and "listen" in SERVER_FLAGS, "suppliers-server --helpfull lists its flags",
      f"{len(SERVER_FLAGS)} found")
BOOL_SERVER_FLAGS = {n for n, b in server_blocks.items() if re.search(r"default: (true|false)\b", b)}
client_help = help_text([CLIENT, "--help"])
CLIENT_FLAGS = set(re.findall(r"^\s+--([a-z0-9-]+)", client_help, re.M))
CLIENT_COMMANDS = set(re.findall(r"^  ([a-z-]+ [a-z-]+)\s{2,}", client_help, re.M))
check("health check" in CLIENT_COMMANDS and "tls-ca" in CLIENT_FLAGS,
      "suppliers-client --help lists its commands and flags")

def server_args_ok(args, where):
    """args: the server's argv after the binary. Flags must be known; a
    subcommand (serve|migrate) may come first."""
    bad, i, words = [], 0, []
    args = [str(a) for a in args]
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name = a[2:].split("=", 1)[0]
            if name not in SERVER_FLAGS:
                bad.append(a)
                if "=" not in a and i + 1 < len(args) and not args[i + 1].startswith("--"):
                    i += 1  # most likely its value
            elif "=" not in a and name not in BOOL_SERVER_FLAGS:
                i += 1  # its value
        else:
            words.append(a)
        i += 1
    check(not bad, f"{where}: every server flag is one suppliers-server accepts",
          f"unknown: {bad} (is BUILD_DIR built from this tree?)")
    check(len(words) <= 1 and all(w in ("serve", "migrate") for w in words),
          f"{where}: subcommand is serve or migrate", f"{words}")
    return words[0] if words else "serve"

def client_args_ok(argv, where):
    flags = [a.split("=", 1)[0][2:] for a in argv if a.startswith("--")]
    bad = [f for f in flags if f not in CLIENT_FLAGS]
    check(not bad, f"{where}: every suppliers-client flag is one it accepts", f"unknown: {bad}")
    words, skip = [], False
    for a in argv[1:]:
        if skip: skip = False; continue
        if a.startswith("--"):
            skip = "=" not in a and a[2:] not in ("json",)
            continue
        words.append(a)
    check(" ".join(words[:2]) in CLIENT_COMMANDS, f"{where}: '{' '.join(words[:2])}' is a suppliers-client command")

def flag_value(args, name):
    args = [str(a) for a in args]
    for i, a in enumerate(args):
        if a == "--" + name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--" + name + "="):
            return a.split("=", 1)[1]
    return None

def seconds(d):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", str(d))
    if not m:
        return None
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(2)]

# ---------------------------------------------------------------- YAML
yaml_files = []
for root, dirs, files in os.walk(os.path.join(REPO, "deploy")):
    for f in sorted(files):
        if f.endswith((".yaml", ".yml")):
            yaml_files.append(os.path.join(root, f))
docs = {}
for f in yaml_files:
    try:
        docs[f] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
        ok(f"{rel(f)} parses ({len(docs[f])} document(s))")
    except yaml.YAMLError as e:
        check(False, f"{rel(f)} parses", str(e))
check(any("kubernetes" in f for f in docs), "deploy/kubernetes has manifests")
compose_files = [f for f in docs if os.path.basename(f) in ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")]
k8s = [(f, d) for f, ds in docs.items() if f not in compose_files for d in ds]
check(all(isinstance(d, dict) and "apiVersion" in d and "kind" in d for _, d in k8s),
      "every Kubernetes document has apiVersion and kind")

def pod_spec(obj):
    k = obj.get("kind")
    if k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return obj["spec"]["template"]
    if k == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]
    if k == "Pod":
        return obj
    return None

def image_of_server(c):
    return "suppliers-server" in str(c.get("image", "")).rsplit("/", 1)[-1]

workloads = [(f, d) for f, d in k8s if pod_spec(d) is not None]
check(workloads, "manifests hold workloads")
jobs_migrating = []
for f, obj in workloads:
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    tpl = pod_spec(obj)
    spec = tpl["spec"]
    psc = spec.get("securityContext") or {}
    containers = spec.get("containers", [])
    inits = spec.get("initContainers", []) or []
    # Restricted Pod Security Standard.
    check(psc.get("runAsNonRoot") is True, f"{name}: pod runAsNonRoot: true")
    check(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0, f"{name}: pod runAsUser is a non-root UID")
    check((psc.get("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost"),
          f"{name}: pod seccompProfile RuntimeDefault")
    check(not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")), f"{name}: no host namespaces")
    check(not any("hostPath" in v for v in spec.get("volumes", []) or []), f"{name}: no hostPath volumes")
    for c in containers + inits:
        cn = f"{name} container {c['name']}"
        sc = c.get("securityContext") or {}
        check(sc.get("allowPrivilegeEscalation") is False, f"{cn}: allowPrivilegeEscalation: false")
        check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{cn}: capabilities drop ALL")
        check(not (sc.get("capabilities") or {}).get("add"), f"{cn}: adds no capabilities")
        check(sc.get("privileged") is not True, f"{cn}: not privileged")
        check(sc.get("readOnlyRootFilesystem") is True, f"{cn}: readOnlyRootFilesystem: true")
        check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True and sc.get("runAsUser", psc.get("runAsUser")) != 0,
              f"{cn}: runs as non-root")
        check((sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost"),
              f"{cn}: seccompProfile RuntimeDefault")
        img = str(c.get("image", ""))
        last = img.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last and "@" not in last else ("@digest" if "@" in img else None)
        pinned = tag not in (None, "latest")
        check(pinned or c.get("imagePullPolicy") in ("Always", "IfNotPresent", "Never"),
              f"{cn}: image {img} is pinned or has an explicit imagePullPolicy")
        check(tag != "latest", f"{cn}: image is not :latest", img)
        res = c.get("resources") or {}
        check((res.get("requests") or {}).get("cpu") and (res.get("requests") or {}).get("memory")
              and (res.get("limits") or {}).get("memory"), f"{cn}: resources (cpu/memory requests, memory limit)")
        argv = [str(a) for a in (c.get("command") or [])[1:] + (c.get("args") or [])] if c.get("command") else [str(a) for a in c.get("args") or []]
        if image_of_server(c) and not c.get("command"):
            sub = server_args_ok(argv, cn)
            if sub == "migrate":
                if c in inits:
                    check(False, f"{cn}: migrations do not run in an init container (use the Job)")
                elif obj["kind"] == "Job":
                    jobs_migrating.append(obj)
        for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = c.get(probe_name)
            if p and "exec" in p and p["exec"]["command"] and p["exec"]["command"][0].endswith("suppliers-client"):
                client_args_ok(p["exec"]["command"], f"{cn} {probe_name}")
    # The server's Deployment: probes, drain, metrics.
    if obj["kind"] == "Deployment":
        server = [c for c in containers if image_of_server(c)]
        check(len(server) == 1, f"{name}: one suppliers-server container")
        if not server:
            continue
        c = server[0]
        args = [str(a) for a in c.get("args") or []]
        tls = flag_value(args, "tls_cert_file") is not None
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        listen = flag_value(args, "listen") or ""
        check(listen.rsplit(":", 1)[-1] == str(ports.get("grpc")) and not listen.startswith("127."),
              f"{name}: --listen {listen} matches the grpc containerPort off loopback")
        check(tls or "--allow_insecure" in args, f"{name}: TLS flags or an explicit --allow_insecure")
        rp, lp = c.get("readinessProbe"), c.get("livenessProbe")
        check(rp is not None and lp is not None, f"{name}: readiness and liveness probes")
        def grpc_health(p):
            if not p: return None
            if "grpc" in p: return "grpc"
            cmd = [str(x) for x in ((p.get("exec") or {}).get("command") or [])]
            if cmd and cmd[0].endswith("suppliers-client") and cmd[-2:] == ["health", "check"]: return "client"
            return None
        kind = grpc_health(rp)
        check(kind is not None, f"{name}: readiness asks the gRPC health service ({kind})")
        for pn, p in (("readinessProbe", rp), ("livenessProbe", lp), ("startupProbe", c.get("startupProbe"))):
            if p and "grpc" in p:
                check(not tls, f"{name}: {pn} uses a native grpc probe only on a plaintext port",
                      "Kubernetes' grpc probe cannot speak TLS; use suppliers-client health check")
                port = p["grpc"].get("port")
                check(port in (ports.get("grpc"), "grpc"), f"{name}: {pn} grpc probe targets the gRPC port")
            if p and "exec" in p and grpc_health(p) == "client":
                cmd = [str(x) for x in p["exec"]["command"]]
                check((flag_value(cmd, "tls-ca") is not None) == tls,
                      f"{name}: {pn} client speaks TLS exactly when the server does")
            if p and "httpGet" in p:
                hp = p["httpGet"].get("port")
                check(hp not in (ports.get("grpc"), "grpc"), f"{name}: {pn} sends no HTTP/1 GET to the gRPC port")
        pre = (c.get("lifecycle") or {}).get("preStop")
        check(bool(pre), f"{name}: preStop hook present")
        sleep_s = 0
        if pre and "sleep" in pre:
            sleep_s = float(pre["sleep"]["seconds"])
        elif pre and "exec" in pre:
            cmd = [str(x) for x in pre["exec"]["command"]]
            m = re.search(r"sleep\s+(\d+)", " ".join(cmd))
            sleep_s = float(m.group(1)) if m else 0
        check(sleep_s > 0, f"{name}: preStop waits for endpoint removal ({sleep_s:g} s)")
        grace = seconds(flag_value(args, "shutdown_grace") or "10s")
        tgps = spec.get("terminationGracePeriodSeconds", 30)
        check(grace is not None and tgps >= sleep_s + grace + 5,
              f"{name}: terminationGracePeriodSeconds {tgps} >= preStop {sleep_s:g} + shutdown_grace {grace:g} + 5")
        metrics = flag_value(args, "metrics_listen")
        ann = (tpl.get("metadata") or {}).get("annotations") or {}
        check(metrics is not None and metrics.endswith(":9464") and not metrics.startswith("127."),
              f"{name}: --metrics_listen on 9464 off loopback", str(metrics))
        check(ports.get("metrics") == 9464, f"{name}: containerPort 9464 named metrics")
        check(str(ann.get("prometheus.io/scrape")) == "true" and str(ann.get("prometheus.io/port")) == "9464",
              f"{name}: pod annotated for Prometheus scraping on 9464")
        check(not any(image_of_server(i) and "migrate" in [str(a) for a in i.get("args") or []] for i in inits),
              f"{name}: no init container runs migrations")
        labels = (tpl.get("metadata") or {}).get("labels") or {}
        sel = obj["spec"]["selector"]["matchLabels"]
        check(all(labels.get(k) == v for k, v in sel.items()), f"{name}: selector matches the pod labels")
        services = [d for _, d in k8s if d["kind"] == "Service"
                    and d["spec"].get("selector") and all(labels.get(k) == v for k, v in d["spec"]["selector"].items())]
        headless = [s for s in services if s["spec"].get("clusterIP") == "None"]
        check(headless, f"{name}: a headless Service (clusterIP: None) selects its pods")
        check(any(s["spec"].get("clusterIP") != "None" for s in services), f"{name}: a ClusterIP Service selects its pods")
        for s in services:
            for p in s["spec"]["ports"]:
                t = p.get("targetPort", p["port"])
                check(t in ports or t in ports.values(), f"Service/{s['metadata']['name']}: targetPort {t} is a container port")
        pdbs = [d for _, d in k8s if d["kind"] == "PodDisruptionBudget"
                and all(labels.get(k) == v for k, v in d["spec"]["selector"]["matchLabels"].items())]
        if pdbs:
            pdb = pdbs[0]["spec"]
            replicas = obj["spec"].get("replicas", 1)
            allows = ("maxUnavailable" in pdb and str(pdb["maxUnavailable"]) not in ("0", "0%")) or \
                     ("minAvailable" in pdb and isinstance(pdb["minAvailable"], int) and pdb["minAvailable"] < replicas)
            check(allows, f"{name}: its PodDisruptionBudget still lets a drain evict a pod")
        ru = (obj["spec"].get("strategy") or {}).get("rollingUpdate") or {}
        check(str(ru.get("maxUnavailable", "25%")) in ("0", "0%"),
              f"{name}: rolling update keeps capacity (maxUnavailable 0) while new pods wait for migrations")
check(jobs_migrating, "migrations run in a Job (suppliers-server migrate)")
for j in jobs_migrating:
    s = j["spec"]
    check(s["template"]["spec"].get("restartPolicy") in ("Never", "OnFailure") and "backoffLimit" in s
          and "activeDeadlineSeconds" in s, f"Job/{j['metadata']['name']}: bounded retries and run time")

# ---------------------------------------------------------------- compose
check(compose_files, "deploy/compose.yaml exists")
for f in compose_files:
    for comp in docs[f]:
        svcs = comp.get("services", {})
        pg = [n for n, s in svcs.items() if str(s.get("image", "")).startswith("postgres:15")]
        check(pg, f"{rel(f)}: a postgres:15 service")
        for n in pg:
            check("healthcheck" in svcs[n], f"{rel(f)}: {n} has a healthcheck")
        mig = [n for n, s in svcs.items() if image_of_server(s) and "migrate" in [str(a) for a in (s.get("command") or [])]]
        srv = [n for n, s in svcs.items() if image_of_server(s) and n not in mig]
        check(len(mig) == 1 and len(srv) == 1, f"{rel(f)}: one migrate service and one server service", f"{mig} {srv}")
        for n, s in svcs.items():
            img = str(s.get("image", ""))
            check(not img.endswith(":latest") and ":" in img, f"{rel(f)}: {n} image {img} has a pinned tag")
            if "build" in s:
                b = s["build"]
                ctx = os.path.normpath(os.path.join(os.path.dirname(f), b.get("context", ".")))
                check(os.path.isfile(os.path.join(ctx, b.get("dockerfile", "Dockerfile"))),
                      f"{rel(f)}: {n} build context and dockerfile exist")
            if image_of_server(s):
                cmd = s.get("command") or []
                check(isinstance(cmd, list), f"{rel(f)}: {n} command is a list (no shell splitting)")
                server_args_ok(cmd, f"{rel(f)} service {n}")
                check(str(s.get("user", "")).split(":")[0] not in ("", "0", "root"), f"{rel(f)}: {n} runs as non-root")
                check(s.get("read_only") is True and "ALL" in (s.get("cap_drop") or []),
                      f"{rel(f)}: {n} read-only root and cap_drop ALL")
                dep = s.get("depends_on") or {}
                check(isinstance(dep, dict) and all((dep.get(p) or {}).get("condition") == "service_healthy" for p in pg),
                      f"{rel(f)}: {n} waits for postgres to be healthy")
        for n in mig:
            check(str(svcs[n].get("restart", "no")) == "no", f"{rel(f)}: {n} is one-shot (restart: no)")
        for n in srv:
            s = svcs[n]
            dep = s.get("depends_on") or {}
            check(all((dep.get(m) or {}).get("condition") == "service_completed_successfully" for m in mig),
                  f"{rel(f)}: {n} starts after migrate completed successfully")
            hc = (s.get("healthcheck") or {}).get("test") or []
            check(hc and "health" in hc and "check" in hc, f"{rel(f)}: {n} healthcheck asks the gRPC health service")
            if hc and hc[0] in ("CMD", "CMD-SHELL"):
                client_args_ok([str(x) for x in (hc[1:] if hc[0] == "CMD" else shlex.split(hc[1]))], f"{rel(f)} {n} healthcheck")
            cmd = [str(a) for a in s.get("command") or []]
            listen = flag_value(cmd, "listen") or ""
            tls = flag_value(cmd, "tls_cert_file") is not None
            check(tls or "--allow_insecure" in cmd or listen.startswith("127."),
                  f"{rel(f)}: {n} has TLS or an explicit --allow_insecure off loopback")
            ports = [str(p) for p in s.get("ports") or []]
            metrics = flag_value(cmd, "metrics_listen") or ""
            check(metrics.endswith(":9464") and any(p.endswith(":9464") for p in ports),
                  f"{rel(f)}: {n} serves and publishes metrics on 9464")
            if "--allow_insecure" in cmd:
                check(all(p.startswith("127.0.0.1:") for p in ports),
                      f"{rel(f)}: {n} publishes plaintext ports on loopback only")
            grace = seconds(flag_value(cmd, "shutdown_grace") or "10s")
            sgp = seconds(s.get("stop_grace_period", "10s"))
            check(sgp is not None and sgp > grace, f"{rel(f)}: {n} stop_grace_period {sgp:g}s > shutdown_grace {grace:g}s")

# ---------------------------------------------------------------- Docker context
def compile_pattern(p):
    # moby/patternmatcher: '*' within a segment, '**' across segments, '?' one char.
    rx, i = "^", 0
    while i < len(p):
        ch = p[i]
        if ch == "*":
            if i + 1 < len(p) and p[i + 1] == "*":
                i += 1
                if i + 1 < len(p) and p[i + 1] == "/":
                    i += 1
                    rx += "(.*/)?" if i + 1 < len(p) else ".*"
                else:
                    rx += ".*"
            else:
                rx += "[^/]*"
        elif ch == "?":
            rx += "[^/]"
        elif ch == "\\" and i + 1 < len(p):
            i += 1
            rx += re.escape(p[i])
        elif ch == "[":
            j = p.find("]", i)
            rx += p[i:j + 1] if j > 0 else re.escape(ch)
            i = j if j > 0 else i
        else:
            rx += re.escape(ch)
        i += 1
    return re.compile(rx + "$")

rules = []
di = os.path.join(REPO, ".dockerignore")
check(os.path.isfile(di), ".dockerignore exists at the repository root (the build context)")
for line in open(di) if os.path.isfile(di) else []:
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    neg = line.startswith("!")
    pat = os.path.normpath(line[1:].strip() if neg else line).lstrip("/")
    rules.append((neg, pat, compile_pattern(pat)))

def excluded(path):
    parents = path.split("/")
    result = False
    for neg, pat, rx in rules:
        m = rx.match(path) or any(rx.match("/".join(parents[:k])) for k in range(1, len(parents)))
        if m:
            result = not neg
    return result

def could_reinclude(d):
    return any(neg and (pat.startswith(d + "/") or "*" in pat.split("/")[0]) for neg, pat, _ in rules)

shipped, size = [], 0
for root, dirs, files in os.walk(REPO):
    r = os.path.relpath(root, REPO)
    r = "" if r == "." else r + "/"
    keep = []
    for d in dirs:
        p = r + d
        if excluded(p) and not could_reinclude(p):
            continue
        keep.append(d)
    dirs[:] = keep
    for fn in files:
        p = r + fn
        if not excluded(p):
            shipped.append(p)
            try:
                size += os.lstat(os.path.join(REPO, p)).st_size
            except OSError:
                pass
shipped_set = set(shipped)
bad_re = re.compile(r"(^|/)(node_modules|CMakeFiles|__pycache__)/|(^|/)CMakeCache\.txt$|^(build|build-[^/]*|\.local|\.git|tools/node_modules)/"
                    r"|^client/(go|node|python)/")
leaks = [p for p in shipped if bad_re.search(p)]
check(not leaks, f"build context ships no build tree, CMakeCache, .local, .git or node_modules ({len(shipped)} files, {size / 1e6:.1f} MB)",
      f"{len(leaks)} leaked, e.g. {leaks[:5]}")
check(size < 20e6, f"build context is small ({size / 1e6:.1f} MB < 20 MB)")
for d in ("build", "build-clang", ".local", "tools/node_modules", "client/node/node_modules"):
    probe = d + "/objects/x.o"
    check(excluded(probe), f".dockerignore excludes {d}/")
# What the image's build needs: CMake inputs of the targets it builds, the
# migrations it embeds, the layering check every build runs.
need_dirs = ["cmake", "proto", "common", "server", "client/cpp", "sql", "bench"]
need = ["CMakeLists.txt", "client/CMakeLists.txt", "scripts/check-layers.sh"]
for d in need_dirs:
    for root, dirs, files in os.walk(os.path.join(REPO, d)):
        dirs[:] = [x for x in dirs if x not in ("node_modules", "__pycache__")]
        need += [os.path.relpath(os.path.join(root, fn), REPO) for fn in files
                 if not fn.endswith((".swp", ".pyc"))]
missing = [p for p in need if p not in shipped_set]
check(not missing, f"build context holds every source the image build needs ({len(need)} files)", f"missing {missing[:8]}")

# ---------------------------------------------------------------- Dockerfile
dockerfile = open(os.path.join(REPO, "deploy", "Dockerfile")).read()
lines = [l for l in re.sub(r"\\\n", " ", dockerfile).splitlines() if l.strip() and not l.lstrip().startswith("#")]
froms = [l.split()[1] for l in lines if l.upper().startswith("FROM ")]
check(len(froms) >= 2, f"Dockerfile is multi-stage ({len(froms)} stages)")
check(all(":" in f and not f.endswith(":latest") for f in froms), f"Dockerfile base images are tagged, not :latest ({froms})")
final = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")):]
users = [l.split()[1] for l in final if l.upper().startswith("USER ")]
check(users and users[-1].split(":")[0] not in ("0", "root") and users[-1].split(":")[0].isdigit(),
      f"final stage runs as a numeric non-root USER ({users[-1] if users else None})")
expose = " ".join(l for l in final if l.upper().startswith("EXPOSE "))
check("50051" in expose and "9464" in expose, "final stage EXPOSEs 50051 and 9464")
copies = [l for l in lines if l.upper().startswith("COPY ") and "--from" not in l]
check(any(l.split()[1:] == [".", "."] for l in copies), "build stage copies the context (COPY . .), filtered by .dockerignore")
cm = re.search(r"cmake -S \S+ -B (\S+)", dockerfile)
check(cm is not None and not cm.group(1).startswith(("/src", ".")),
      f"Dockerfile configures outside the copied source tree ({cm.group(1) if cm else None})")
build_dir = cm.group(1) if cm else "/build"
for l in final:
    m = re.match(r"COPY --from=\S+ (\S+) (\S+)", l)
    if m and m.group(1).startswith(build_dir + "/"):
        local = os.path.join(BUILD, m.group(1)[len(build_dir) + 1:])
        check(os.path.isfile(local), f"Dockerfile copies {m.group(1)}, which the build produces ({rel(local) if local.startswith(REPO) else local})")
# Build dependencies: every package CMake looks for has its Debian -dev
# package installed in the build stage (a new find_package must come with
# a Dockerfile change; add it to DEV_PACKAGES here too).
DEV_PACKAGES = {
    "Threads": [], "PkgConfig": ["pkg-config"], "Protobuf": ["libprotobuf-dev", "protobuf-compiler"],
    "gRPC": ["libgrpc++-dev", "protobuf-compiler-grpc"], "absl": ["libabsl-dev"], "OpenSSL": ["libssl-dev"],
    "prometheus-cpp": ["prometheus-cpp-dev"], "libpqxx": ["libpqxx-dev"], "libpq": ["libpq-dev"],
    "libjwt": ["libjwt-dev"], "ZLIB": ["zlib1g-dev"],
}
build_stage = lines[:max(i for i, l in enumerate(lines) if l.upper().startswith("FROM "))]
build_install = set(" ".join(l for l in build_stage if "apt-get install" in l).split())
wanted = set()
for d in ["", "proto", "common", "server", "client", "client/cpp"] + \
         [os.path.join("server", x) for x in sorted(os.listdir(os.path.join(REPO, "server")))]:
    cm_file = os.path.join(REPO, d, "CMakeLists.txt")
    if os.path.isfile(cm_file):
        txt = open(cm_file).read()
        wanted |= set(re.findall(r"find_package\(\s*([A-Za-z0-9_+-]+)", txt))
        wanted |= set(re.findall(r"pkg_check_modules\(\s*\w+\s+(?:REQUIRED\s+)?(?:IMPORTED_TARGET\s+)?([A-Za-z0-9_+-]+)", txt))
unmapped = sorted(w for w in wanted if w not in DEV_PACKAGES)
missing_dev = sorted({p for w in wanted for p in DEV_PACKAGES.get(w, []) if p not in build_install})
check(not unmapped and not missing_dev,
      f"build stage installs the -dev package of every CMake dependency ({', '.join(sorted(wanted))})",
      f"unknown to this test: {unmapped}; not installed: {missing_dev}")
# Runtime libraries: every package providing a library the built binaries
# link directly must be installed in the final stage (or be in the base).
runtime_install = " ".join(l for l in final if "apt-get install" in l)
listed = set(re.findall(r"\b(lib[a-z0-9.+-]+|ca-certificates)\b", runtime_install))
base = {"libc6", "libstdc++6", "libgcc-s1", "libcrypt1", "zlib1g", "libzstd1", "liblzma5", "libsystemd0", "libgnutls30"}
try:
    needed_pkgs, candidates = set(), {}
    for b in (SERVER, CLIENT):
        out = subprocess.run(["readelf", "-d", b], capture_output=True, text=True, check=True).stdout
        libs = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
        ldd = subprocess.run(["ldd", b], capture_output=True, text=True).stdout
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
        for lib in libs:
            if lib in paths:
                # dpkg knows a file under the name its package ships it as:
                # /lib or /usr/lib (merged /usr), the soname link or its target.
                for q in {paths[lib], os.path.realpath(paths[lib])}:
                    for v in {q, re.sub(r"^/usr/lib/", "/lib/", q), re.sub(r"^/lib/", "/usr/lib/", q)}:
                        candidates[v] = lib
    # One dpkg call (each costs ~0.5 s); unknown paths only print to stderr.
    r = subprocess.run(["dpkg", "-S", *sorted(candidates)], capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        pkg, path = line.split(": ", 1)
        found.setdefault(candidates.get(path.strip()), pkg.split(":")[0])
    needed_pkgs = set(found.values())
    unknown = sorted({l for l in candidates.values()} - set(found))
    check(not unknown, "every library the binaries link comes from a Debian package", f"{unknown}")
    # Dependencies of what is listed come along with it.
    deps = set()
    if listed:
        out = subprocess.run(["apt-cache", "depends", "--no-recommends", "--no-suggests", *sorted(listed)],
                             capture_output=True, text=True).stdout
        deps = set(re.findall(r"Depends: <?([a-z0-9.+-]+)", out))
    uncovered = sorted(needed_pkgs - listed - base - deps)
    check(not uncovered, f"runtime stage installs the packages of every library the binaries link ({', '.join(sorted(needed_pkgs))})",
          f"missing {uncovered}")
except (OSError, subprocess.CalledProcessError) as e:
    print(f"ok - runtime library check skipped ({e})")

# ---------------------------------------------------------------- Grafana
METRICS = {
    "suppliers_rpc_calls_total": "counter", "suppliers_rpc_duration_seconds": "histogram",
    "suppliers_db_pool_connections": "gauge", "suppliers_db_pool_max_connections": "gauge",
    "suppliers_db_pool_waiters": "gauge", "suppliers_db_pool_acquire_seconds": "histogram",
    "suppliers_work_queue_depth": "gauge", "suppliers_work_queue_wait_seconds": "histogram",
    "suppliers_db_errors_total": "counter", "suppliers_drawing_bytes_total": "counter",
    "suppliers_streams_active": "gauge", "suppliers_streams_total": "counter",
}
LABELS = {"method", "code", "state", "sqlstate_class", "direction", "le", "job", "instance", "pod", "namespace"}
dash_path = os.path.join(REPO, "deploy", "grafana", "suppliers-dashboard.json")
try:
    dash = json.load(open(dash_path))
    ok(f"{rel(dash_path)} parses")
except (OSError, ValueError) as e:
    check(False, f"{rel(dash_path)} parses", str(e))
    dash = {"panels": []}
def all_panels(ps):
    for p in ps:
        yield p
        yield from all_panels(p.get("panels", []))
panels = [p for p in all_panels(dash.get("panels", [])) if p.get("type") != "row"]
exprs = [(p.get("title"), t.get("expr", "")) for p in panels for t in p.get("targets", [])]
exprs += [("variable " + v.get("name", ""), v["query"]["query"] if isinstance(v.get("query"), dict) else str(v.get("query", "")))
          for v in (dash.get("templating") or {}).get("list", []) if v.get("type") == "query"]
check(dash.get("uid") and panels and all(t for _, t in exprs), f"dashboard has a uid and {len(panels)} panels, each with queries")
ids = [p.get("id") for p in all_panels(dash.get("panels", []))]
check(len(ids) == len(set(ids)) and all("gridPos" in p for p in all_panels(dash.get("panels", []))),
      "panel ids are unique and every panel has a gridPos")
used, bad = set(), []
for title, e in exprs:
    for name in re.findall(r"\b(suppliers_[a-z_]+)\b", e):
        base_name = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[:-len(suffix)] in METRICS and METRICS[name[:-len(suffix)]] == "histogram":
                base_name = name[:-len(suffix)]
        if base_name not in METRICS:
            bad.append(f"{title}: {name}")
        elif METRICS[base_name] == "histogram" and base_name == name:
            bad.append(f"{title}: {name} is a histogram; use _bucket/_sum/_count")
        used.add(base_name)
    for m in re.finditer(r"\b(suppliers_[a-z_]+_total)\b", e):
        if title.startswith("variable ") and e.startswith("label_values("):
            continue
        if not re.search(r"(rate|increase)\(\s*" + m.group(1), e):
            bad.append(f"{title}: counter {m.group(1)} outside rate()/increase()")
    for lbls in re.findall(r"\bby \(([^)]*)\)", e):
        for l in lbls.split(","):
            if l.strip() not in LABELS:
                bad.append(f"{title}: unknown label {l.strip()}")
    if "_bucket" in e:
        if "histogram_quantile" not in e or not re.search(r"by \([^)]*\ble\b", e):
            bad.append(f"{title}: _bucket outside histogram_quantile(... by (le))")
check(not bad, "dashboard uses only the server's metric names, labels and types", "; ".join(bad))
check(used == set(METRICS), "dashboard charts every metric the server exports", f"unused {sorted(set(METRICS) - used)}")
titles = " | ".join(p.get("title", "") for p in panels).lower()
for want in ("rate by method and code", "error ratio", "p50", "p99", "pool", "acquire", "database errors", "drawing", "stream"):
    check(want in titles, f"dashboard has a panel for {want}")
ds = [p.get("datasource") for p in panels]
check(all(isinstance(d, dict) and d.get("uid") == "${datasource}" for d in ds), "every panel uses the $datasource variable")

# PromQL syntax, when promtool is at hand (PROMTOOL=path, or on PATH; the
# Debian package prometheus has it): every query as a recording rule.
import shutil, tempfile
promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
if promtool:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tmp:
        subst = {"$__rate_interval": "5m", "$job": ".*", "$instance": ".*", "$method": ".*"}
        rules_ = []
        for n, (_, e) in enumerate(x for x in exprs if not x[0].startswith("variable ")):
            for k, v in subst.items():
                e = e.replace(k, v)
            rules_.append({"record": f"dashboard:query{n}", "expr": e})
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules_}]}, tmp)
    r = subprocess.run([promtool, "check", "rules", tmp.name], capture_output=True, text=True)
    os.unlink(tmp.name)
    check(r.returncode == 0, f"every dashboard query is valid PromQL (promtool, {len(rules_)} queries)", r.stdout + r.stderr)
else:
    print("ok - PromQL syntax check skipped (no promtool; set PROMTOOL)")

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("deploy_static_test: all checks passed")
PYEOF
