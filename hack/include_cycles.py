#!/usr/bin/env python3
"""Dependency direction check for the worker (run by hack/lint.sh).

A module is foo.c together with foo.h in the same folder of worker/src; module A depends on
module B when a file of A includes B's header with #include "...". Fails (exit 1) when:
  - the modules form a cycle (each found cycle is printed as a path);
  - two .c files call each other's functions (a cycle hidden behind a shared header such as
    rest/api.h), except for thread entry points handed to pthread_create (ENTRY_POINTS);
  - a file of worker/src includes anything under worker/plugins (the runtime never reaches into
    plugins), except runtime/registry.c including worker/plugins/builtin.h, the list of built-in
    plugin structs only the registry may name;
  - a file under worker/plugins includes anything from worker/src (plugins build on the public
    SDK, worker/include/ferry, and headers of worker/plugins itself)."""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SRC = os.path.join(ROOT, "worker", "src")
PLUGINS = os.path.join(ROOT, "worker", "plugins")
BUILTIN_LIST = os.path.join(PLUGINS, "builtin.h")
REGISTRY = os.path.join(SRC, "runtime", "registry.c")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ANY_INCLUDE = re.compile(r'^\s*#\s*include\s+(?:"([^"]+)"|<([^>]+)>)', re.M)
# A function definition: not static, at the start of a line, parameters then a body.
DEFINITION = re.compile(r"^(?!static\b)[A-Za-z_][\w \*]*?\b(ferry_\w+)\s*\([^;{]*\)\s*\{", re.M)
IDENT = re.compile(r"\bferry_\w+\b")
# The task runners' thread functions: worker.c starts threads on them, the runners call back.
ENTRY_POINTS = {"ferry_source_task_main", "ferry_sink_task_main"}


def resolve(path, name):
    for base in (os.path.dirname(path), SRC):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.exists(cand):
            return cand
    return None


def module(path):
    return os.path.relpath(os.path.splitext(path)[0], SRC)


def main():
    problems = []
    graph = {}
    for folder, _, files in os.walk(SRC):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, f)
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            deps = graph.setdefault(module(path), set())
            for name in INCLUDE.findall(text):
                target = resolve(path, name)
                if target is None:
                    continue
                rel = os.path.relpath(path, ROOT)
                if target == BUILTIN_LIST:
                    if path != REGISTRY:
                        problems.append(f"{rel}: includes {name} (only runtime/registry.c lists the built-ins)")
                    continue
                if target.startswith(PLUGINS + os.sep):
                    problems.append(f"{rel}: includes plugin header {name}")
                    continue
                if target.startswith(SRC + os.sep) and module(target) != module(path):
                    deps.add(module(target))

    # Plugins: the SDK and their own headers only. A quoted name resolves against the file's folder
    # first, and any name against worker/src, which is on the include path of every build.
    for folder, _, files in os.walk(PLUGINS):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, f)
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for quoted, angled in ANY_INCLUDE.findall(text):
                name = quoted or angled
                bases = (os.path.dirname(path), SRC) if quoted else (SRC,)
                for base in bases:
                    cand = os.path.normpath(os.path.join(base, name))
                    if os.path.exists(cand):
                        if cand.startswith(SRC + os.sep):
                            problems.append(f"{os.path.relpath(path, ROOT)}: includes {name} from worker/src "
                                            "(plugins use only the SDK, <ferry/*.h>)")
                        break

    # Files that call each other's functions.
    texts = {}
    for folder, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith(".c"):
                path = os.path.join(folder, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    texts[path] = fh.read()
    owner = {}
    for path, text in texts.items():
        for name in DEFINITION.findall(text):
            owner.setdefault(name, path)
    calls = {}
    for path, text in texts.items():
        calls[path] = {}
        for name in set(IDENT.findall(text)):
            other = owner.get(name)
            if other and other != path and name not in ENTRY_POINTS:
                calls[path].setdefault(other, []).append(name)
    for a in sorted(calls):
        for b in sorted(calls[a]):
            if a < b and a in calls.get(b, {}):
                problems.append(
                    f"call cycle: {os.path.relpath(a, ROOT)} uses {', '.join(sorted(calls[a][b])[:3])}; "
                    f"{os.path.relpath(b, ROOT)} uses {', '.join(sorted(calls[b][a])[:3])}")

    # Cycles: depth-first search, reporting each back edge's cycle once.
    state, stack, seen = {}, [], set()

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cyc = stack[stack.index(d):] + [d]
                key = frozenset(cyc)
                if key not in seen:
                    seen.add(key)
                    problems.append("include cycle: " + " -> ".join(cyc))
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    sys.setrecursionlimit(10000)
    for m in sorted(graph):
        if m not in state:
            visit(m)

    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
