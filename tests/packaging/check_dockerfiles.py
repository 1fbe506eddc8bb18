#!/usr/bin/env python3
"""Static checks of Dockerfile.worker and Dockerfile.operator (no container engine runs here),
called by tests/packaging/dockerfiles.sh as: check_dockerfiles.py REPO BUILDCOPY.

For each Dockerfile: bookworm base; a builder stage that installs the -dev packages of every
pkg-config package the Makefile links and runs `make ... VERSION=... bin/<binary>`; ARG VERSION
passed to make; the runtime stage's apt packages provide every shared library `ldd bin/<binary>`
resolves to (library -> Debian package with dpkg -S; a package counts when the runtime stage installs
it, when it is a dependency of one it installs, or when it is in the base image, i.e. Priority:
required and its dependencies); the libraries the binary itself needs (DT_NEEDED) come from packages
installed explicitly or from the base; COPY sources exist and are not excluded by .dockerignore; the
COPY --from path is what the builder's make target writes; a numeric non-root USER that the stage
creates; EXPOSE; an ENTRYPOINT naming the copied binary; the directories the operator's worker pods
use (/etc/ferry, /var/lib/ferry) exist in the worker image. The worker image is installed with
`make install DESTDIR=...`: it takes the binary and the plugin directory /usr/local/lib/ferry/ from
that tree, its builder installs the -dev packages of every connector family's plugin.mk
(`<family>_PKGS`), and its runtime stage the packages of every library the built plugins
(build/plugins/*/*.so) link. BUILDCOPY is a directory holding only
what the builder stages COPY; dockerfiles.sh builds the binaries there to prove it is enough."""
import fnmatch
import os
import re
import shlex
import subprocess
import sys

repo = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def parse(path):
    """Stages: [{'from': image, 'as': name, 'ins': [(INSTR, args)]}], and the global ARGs."""
    with open(path) as f:
        text = f.read()
    lines, cur = [], ""
    for raw in text.splitlines():
        if not cur and (raw.strip().startswith("#") or not raw.strip()):
            continue
        if raw.strip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            cur += raw.rstrip()[:-1] + " "
            continue
        lines.append(cur + raw)
        cur = ""
    stages, global_args = [], {}
    for ln in lines:
        instr, _, rest = ln.strip().partition(" ")
        instr = instr.upper()
        rest = rest.strip()
        if instr == "FROM":
            m = re.match(r'(\S+)(?:\s+AS\s+(\S+))?', rest, re.I)
            stages.append({"from": m.group(1), "as": m.group(2), "ins": []})
        elif not stages:
            if instr == "ARG":
                k, _, v = rest.partition("=")
                global_args[k] = v
        else:
            stages[-1]["ins"].append((instr, rest))
    return stages, global_args


def expand(s, args):
    return re.sub(r'\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?', lambda m: args.get(m.group(1), m.group(0)), s)


def apt_packages(stage):
    pkgs = []
    for instr, rest in stage["ins"]:
        if instr != "RUN":
            continue
        for cmd in re.split(r'&&|;', rest):
            words = shlex.split(cmd)
            if "apt-get" in words and "install" in words:
                pkgs += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
    return pkgs


def dockerignore():
    p = os.path.join(repo, ".dockerignore")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def ignored(path, patterns):
    path = path.rstrip("/")
    parts = path.split("/")
    for pat in patterns:
        pat = pat.rstrip("/")
        for i in range(1, len(parts) + 1):
            if fnmatch.fnmatch("/".join(parts[:i]), pat):
                return True
    return False


# ---- the installed package graph of this (bookworm) machine ----
out = run("dpkg-query", "-W", "-f", "${Package}\t${Priority}\t${Pre-Depends}\t${Depends}\t${Provides}\n").stdout
deps, required, provides = {}, set(), {}
for line in out.splitlines():
    name, prio, pre, dep, prov = (line.split("\t") + [""] * 5)[:5]
    alts = []
    for d in (pre + "," + dep).split(","):
        d = d.strip()
        if d:
            alts.append([re.sub(r'[\s(:].*', "", a.strip()) for a in d.split("|")])
    deps[name] = alts
    for p in prov.split(","):
        p = re.sub(r'[\s(].*', "", p.strip())
        if p:
            provides.setdefault(p, []).append(name)
    if prio == "required":
        required.add(name)


def closure(pkgs):
    seen, todo = set(), list(pkgs)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alts in deps.get(p, []):
            for a in alts:  # the first alternative that is installed here
                cands = [a] if a in deps else provides.get(a, [])
                if cands:
                    todo.append(cands[0])
                    break
    return seen


base = closure(required)


def lib_package(path):
    for p in (path, os.path.realpath(path)):
        r = run("dpkg", "-S", p)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
        # merged /usr: /lib/x86_64-linux-gnu/x.so is /usr/lib/... in dpkg's database, or the reverse
        alt = p[4:] if p.startswith("/usr/") else "/usr" + p
        r = run("dpkg", "-S", alt)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


with open(os.path.join(repo, "Makefile")) as f:
    makefile = f.read()


def make_var(name):
    m = re.search(r'^%s\s*:=\s*(.*)$' % name, makefile, re.M)
    return m.group(1).split() if m else []


def family_pkgs():
    """pkg-config names the connector families link (worker/connectors/<family>/plugin.mk)."""
    pkgs = []
    croot = os.path.join(repo, "worker", "connectors")
    for fam in sorted(os.listdir(croot)) if os.path.isdir(croot) else []:
        mk = os.path.join(croot, fam, "plugin.mk")
        if os.path.exists(mk):
            with open(mk) as f:
                for m in re.finditer(r'^\s*%s_PKGS\s*[:+]?=\s*(.*)$' % re.escape(fam), f.read(), re.M):
                    pkgs += m.group(1).split()
    return pkgs


def built_plugins():
    out = []
    broot = os.path.join(repo, "build", "plugins")
    for fam in sorted(os.listdir(broot)) if os.path.isdir(broot) else []:
        so = os.path.join(broot, fam, fam + ".so")
        if os.path.exists(so):
            out.append(so)
    return out


for binary, pkgvar, port in (("ferry-worker", "PKGS", "8083"), ("ferry-operator", "OPERATOR_PKGS", "8080")):
    df = "Dockerfile." + binary.split("-")[1]
    path = os.path.join(repo, df)
    if not check(os.path.exists(path), df + " exists"):
        continue
    stages, gargs = parse(path)
    check(len(stages) >= 2, "%s is multi-stage" % df)
    if len(stages) < 2:
        continue
    build, final = stages[0], stages[-1]
    for st in stages:
        img = expand(st["from"], gargs)
        check(st["from"] == build["as"] or "bookworm" in img or img in [s["as"] for s in stages],
              "%s: FROM %s is Debian bookworm" % (df, img))
    # builder: -dev packages for every pkg-config package the Makefile links
    bpk = apt_packages(build)
    for pc in make_var(pkgvar) + (family_pkgs() if binary == "ferry-worker" else []):
        r = run("pkg-config", "--variable=pcfiledir", pc)
        pcfile = os.path.join(r.stdout.strip(), pc + ".pc")
        owner = lib_package(pcfile) if r.returncode == 0 else None
        check(owner in bpk, "%s builder installs %s (pkg-config %s), has %s" % (df, owner, pc, bpk))
    check("build-essential" in bpk and "pkg-config" in bpk, "%s builder installs build-essential pkg-config" % df)
    runs = " ".join(r for i, r in build["ins"] if i == "RUN")
    check(re.search(r'\bmake\b[^&]*\bVERSION="?\$\{?VERSION\}?"?[^&]*\bbin/%s\b' % binary, runs),
          "%s builder runs make VERSION=$VERSION bin/%s" % (df, binary))
    # The worker image is installed with `make install DESTDIR=<dir>`.
    install_dir = None
    if binary == "ferry-worker":
        m = re.search(r'\bmake\b[^&]*\bVERSION="?\$\{?VERSION\}?"?[^&]*\binstall\b[^&]*', runs)
        if check(m, "%s builder runs make VERSION=$VERSION ... install" % df):
            d = re.search(r'\bDESTDIR=(\S+)', m.group(0))
            p = re.search(r'\bPREFIX=(\S+)', m.group(0))
            check(d, "%s: make install has a DESTDIR the runtime stage copies from" % df)
            check(p is None or p.group(1) == "/usr/local", "%s: make install PREFIX is /usr/local" % df)
            install_dir = d.group(1).rstrip("/") + "/usr/local" if d else None
    check(re.search(r'^\s*bin/%s\s*:' % re.escape(binary), makefile, re.M),
          "Makefile has the target bin/%s" % binary)
    check(any(i == "ARG" and r.split("=")[0] == "VERSION" for i, r in build["ins"]), "%s: ARG VERSION in builder" % df)
    check(any(i == "ARG" and r.split("=")[0] == "VERSION" for i, r in final["ins"]),
          "%s: ARG VERSION in the runtime stage (image label)" % df)
    workdir = next((r for i, r in build["ins"] if i == "WORKDIR"), "/")
    # COPY sources
    ign = dockerignore()
    copied_bin = copied_plugins = None
    for st in stages:
        for instr, rest in st["ins"]:
            if instr not in ("COPY", "ADD"):
                continue
            words = shlex.split(rest)
            frm = [w for w in words if w.startswith("--from=")]
            srcs = [w for w in words if not w.startswith("--")][:-1]
            dest = [w for w in words if not w.startswith("--")][-1]
            if frm:
                check(frm[0][7:] == build["as"], "%s: COPY --from names the builder stage" % df)
                for s in srcs:
                    if install_dir:
                        check(s.startswith(install_dir + "/"),
                              "%s: COPY --from=%s %s comes from make install's %s" % (df, build["as"], s, install_dir))
                        if s.rstrip("/") == install_dir + "/lib/ferry":
                            copied_plugins = dest
                    else:
                        check(s == os.path.join(workdir, "bin", binary),
                              "%s: COPY --from=%s %s is what `make bin/%s` writes in %s" % (df, build["as"], s, binary, workdir))
                if any(os.path.basename(s) == binary for s in srcs):
                    copied_bin = dest
                continue
            for s in srcs:
                check(os.path.exists(os.path.join(repo, s)), "%s: COPY source %s exists" % (df, s))
                check(not ignored(s, ign), "%s: COPY source %s is not excluded by .dockerignore" % (df, s))
    check(copied_bin is not None and copied_bin.startswith("/usr/local/bin/"),
          "%s: the binary is copied into /usr/local/bin (on PATH)" % df)
    if binary == "ferry-worker":
        check(copied_plugins is not None and copied_plugins.rstrip("/") == "/usr/local/lib/ferry",
              "%s: the installed plugins are copied to /usr/local/lib/ferry (the default plugin.path)" % df)
    # user
    runs_final = " ".join(r for i, r in final["ins"] if i == "RUN")
    users = [r for i, r in final["ins"] if i == "USER"]
    if check(len(users) >= 1, "%s: runtime stage sets USER" % df):
        uid = users[-1].split(":")[0]
        check(uid.isdigit() and uid != "0", "%s: USER is numeric and not root (runAsNonRoot can verify it)" % df)
        check(re.search(r'useradd\b[^&]*--uid %s\b' % uid, runs_final), "%s: the stage creates uid %s" % (df, uid))
        gid = users[-1].split(":")[1] if ":" in users[-1] else None
        if gid:
            check(re.search(r'groupadd\b[^&]*--gid %s\b' % gid, runs_final), "%s: the stage creates gid %s" % (df, gid))
    check(any(i == "EXPOSE" and port in r.split() for i, r in final["ins"]), "%s: EXPOSE %s" % (df, port))
    eps = [r for i, r in final["ins"] if i == "ENTRYPOINT"]
    check(eps and binary in eps[-1], "%s: ENTRYPOINT runs %s" % (df, binary))
    wd = [r for i, r in final["ins"] if i == "WORKDIR"]
    if binary == "ferry-worker":
        # ferry-operator's worker pods: ConfigMap at /etc/ferry, emptyDir at /var/lib/ferry, /bin/sh -c.
        for d in ("/etc/ferry", "/var/lib/ferry"):
            check(re.search(r'mkdir -p [^&]*%s\b' % re.escape(d), runs_final), "%s: creates %s" % (df, d))
        check(re.search(r'chown [^&]*ferry[^&]* /var/lib/ferry', runs_final), "%s: /var/lib/ferry belongs to ferry" % df)
        check(wd and wd[-1] == "/var/lib/ferry", "%s: WORKDIR /var/lib/ferry (writable)" % df)
        check("dash" in base or "bash" in base, "the base image has /bin/sh (worker pods run /bin/sh -c)")
    # shared libraries
    rpk = apt_packages(final)
    have = closure(rpk) | base
    exe = os.path.join(repo, "bin", binary)
    if not check(os.path.exists(exe), "bin/%s is built (make %s)" % (binary, binary)):
        continue
    ldd = run("ldd", exe).stdout
    libs = re.findall(r'=>\s*(/\S+)', ldd)
    check(libs and "not found" not in ldd, "ldd resolves every library of bin/%s" % binary)
    needed = re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', run("readelf", "-d", exe).stdout)
    for so in built_plugins() if binary == "ferry-worker" else []:
        pldd = run("ldd", so).stdout
        check("not found" not in pldd, "ldd resolves every library of %s" % os.path.relpath(so, repo))
        libs += [l for l in re.findall(r'=>\s*(/\S+)', pldd) if l not in libs]
        needed += re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', run("readelf", "-d", so).stdout)
    for lib in libs:
        pkg = lib_package(lib)
        if not check(pkg is not None, "%s: %s belongs to a Debian package" % (binary, lib)):
            continue
        check(pkg in have, "%s: %s (package %s) is installed in the runtime stage of %s (installs %s)"
              % (binary, lib, pkg, df, " ".join(rpk)))
        if os.path.basename(lib) in needed:
            check(pkg in rpk or pkg in base, "%s links %s directly: %s must be installed explicitly, not by chance"
                  % (binary, os.path.basename(lib), pkg))
    extra = [p for p in rpk if p != "ca-certificates" and not any(lib_package(l) == p for l in libs)]
    check(not extra, "%s: runtime packages %s provide no library of %s (slim image)" % (df, extra, binary))
    print("%s: %d libraries from %d runtime packages + the base image; builder installs %s"
          % (df, len(libs), len(rpk), " ".join(bpk)))

print("%d Dockerfile checks failed" % len(failures) if failures else "Dockerfile checks: ok")
sys.exit(1 if failures else 0)
