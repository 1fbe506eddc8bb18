#!/usr/bin/env python3
"""Checks a delivered stream of lines against its reference: either exactly equal, or the reference
with one replay (at-least-once after a crash): OBSERVED == REF[:a] + REF[c:] with c <= a, where c
is where the consumer resumed. With --resume C the replay must start exactly at line C (the last
committed offset). Lines must be unique in REF. Prints "ok lines=N replayed=K resume=C"."""
import argparse
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("observed")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--resume", type=int)
    args = ap.parse_args()
    ref, obs = read(args.ref), read(args.observed)
    if args.exact:
        if obs != ref:
            n = next((i for i, (x, y) in enumerate(zip(ref, obs)) if x != y), min(len(ref), len(obs)))
            sys.exit(f"FAIL: not identical: {len(obs)} lines vs {len(ref)} expected; first difference at line {n}")
        print(f"ok lines={len(obs)} replayed=0")
        return
    a = 0
    n = min(len(ref), len(obs))
    while a < n and ref[a] == obs[a]:
        a += 1
    c = len(ref) - (len(obs) - a)
    if a == len(obs) and len(obs) < len(ref):
        sys.exit(f"FAIL: lost lines: observed {len(obs)} of {len(ref)}")
    if c < 0 or c > a:
        sys.exit(f"FAIL: not a prefix plus a replay (prefix {a} lines, resume would be {c})")
    if obs[a:] != ref[c:]:
        sys.exit(f"FAIL: lines after the replay point differ from the reference (prefix {a}, resume {c})")
    if args.resume is not None and a != c and c != args.resume:
        sys.exit(f"FAIL: replay starts at line {c}, but the last committed offset was {args.resume}")
    if args.resume is not None and a == c and args.resume > a:
        sys.exit(f"FAIL: committed offset {args.resume} is beyond what was delivered ({a})")
    print(f"ok lines={len(obs)} replayed={a - c} resume={c}")


main()
