#!/usr/bin/env python3
"""The control step's worst-case stack, from GCC's own numbers.

A build with -fstack-usage -fcallgraph-info=su leaves, beside each object, a .ci file: every
function's frame size (bytes, and whether it is static, dynamic or dynamic but bounded) and every
call it makes. This script joins them into one call graph, walks it from each root (by default
xn_controller_step, the function the real-time loop calls every cycle) and adds the frames along
the deepest path. It fails when that sum passes the limit, when a function on the way has an
unbounded (dynamic) frame, when the graph has a cycle (recursion), or when an indirect call is
met that the table below does not resolve.

Usage: scripts/stack_check.py BUILD_DIR [--limit BYTES] [--root NAME ...]
"""
import argparse
import os
import re
import sys

# Calls through function pointers on the control step's paths, resolved by hand: the caller's
# name -> the functions it can reach that way. An empty list says the pointer leaves the step
# (nothing on it runs in the cycle). Keep this in step with the code: the script fails on an
# indirect call it does not know.
INDIRECT = {
    # the learn layer's hook (src/learn/policy_hook.c) behind xn_policy_hook
    "xn_ctl_policy_step": ["src/learn/policy_hook.c:step"],
    "xn_ctl_policy_instruction": [
        "src/learn/policy_hook.c:activate",
        "src/learn/policy_hook.c:command",
    ],
    # a stream line while a walking policy drives the joints (stream.c): its command range at
    # the line's start, its velocity command each cycle
    "xn_ctl_stream_begin": ["src/learn/policy_hook.c:command_range"],
    "xn_ctl_stream_step": ["src/learn/policy_hook.c:command"],
    # a simulated push (a program's `push`): the MuJoCo backend's
    "xn_hal_push": ["src/backends/mujoco.c:mj_push"],
}

# Indirect calls inside a family of files whose callbacks all live in that family: the
# trajectory generator's searches call each profile family's functions through a table
# (otg_internal.h). Any function of the family that itself makes no indirect call may be the
# callee: the deepest of them is taken.
INDIRECT_FAMILIES = ["src/motion/otg_"]

# Functions that call themselves, with the deepest the recursion can go: the small-polynomial
# root finder recurses on the derivative, one degree less each time, from degree 4 at most
# (XN_POLY_SMALL_DEGREE).
RECURSION_DEPTH = {"roots_by_cuts": 4}

# Library functions the graph cannot see into, with the stack they are assumed to take (bytes).
# glibc's printf family formats with a work buffer on the stack; the rest are leaf-like.
EXTERNAL = {"vsnprintf": 3072, "snprintf": 3072, "fprintf": 3072, "printf": 3072}
EXTERNAL_DEFAULT = 512

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
SIZE = re.compile(r"(\d+) bytes \(([a-z,]+)\)")


FILE_OF = {}  # node title -> the source file its label names


def load(build_dir):
    frames, calls, by_name = {}, {}, {}
    for root, _, files in os.walk(build_dir):
        for f in files:
            if not f.endswith(".ci"):
                continue
            with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for title, label in NODE.findall(text):
                lines = label.replace("\\n", "\n").split("\n")
                m = SIZE.search(label.replace("\\n", "\n"))
                if m:
                    FILE_OF[title] = lines[1].rsplit(":", 2)[0] if len(lines) > 1 else ""
                    frames[title] = (int(m.group(1)), m.group(2))
                    by_name.setdefault(title.split(":")[-1], []).append(title)
            for src, dst in EDGE.findall(text):
                calls.setdefault(src, set()).add(dst)
    return frames, calls, by_name


def resolve(name, frames, by_name, caller):
    """A callee's node: itself when defined, else the one definition of that name (a global
    function defined in another file); a static one of the caller's file first."""
    if name in frames:
        return name
    if "/" in name:  # a static function named by its file: the title ends with it
        hits = [t for t in frames if t.endswith("/" + name)]
        return hits[0] if len(hits) == 1 else None
    plain = name.split(":")[-1]
    defs = by_name.get(plain, [])
    if len(defs) == 1:
        return defs[0]
    same_file = [d for d in defs if caller.rsplit(":", 1)[0] == d.rsplit(":", 1)[0]]
    if len(same_file) == 1:
        return same_file[0]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--limit", type=int, default=16384)
    ap.add_argument("--root", action="append")
    args = ap.parse_args()
    frames, calls, by_name = load(args.build_dir)
    if not frames:
        print(f"stack_check: no .ci files under {args.build_dir} (build with "
              "-fstack-usage -fcallgraph-info=su)", file=sys.stderr)
        return 2
    roots = args.root or ["xn_controller_step"]
    errors = []
    memo = {}
    # The callbacks: a family's static functions that reach no indirect call, even through
    # direct calls (the searches that call them do; a callback does not call a search).
    reaches = {n for n, cs in calls.items() if "__indirect_call" in cs}
    grown = True
    while grown:
        grown = False
        for n, cs in calls.items():
            if n not in reaches and any(resolve(c, frames, by_name, n) in reaches for c in cs):
                reaches.add(n)
                grown = True
    family_callees = {
        fam: [n for n in frames if fam in FILE_OF.get(n, "") and ":" in n and n not in reaches]
        for fam in INDIRECT_FAMILIES
    }

    def indirect_targets(node):
        plain = node.split(":")[-1]
        if plain in INDIRECT:
            return INDIRECT[plain]
        where = FILE_OF.get(node, "")
        for fam in INDIRECT_FAMILIES:
            if fam in where:
                return family_callees[fam]
        return None

    def deepest(node, path):
        if node in path:
            errors.append("recursion: " + " -> ".join(p.split(":")[-1] for p in path + [node]))
            return 0, [node]
        if node in memo:
            return memo[node]
        size, kind = frames[node]
        if "dynamic" in kind and "bounded" not in kind:
            errors.append(f"{node}: a frame of unbounded size ({kind})")
        plain = node.split(":")[-1]
        size *= RECURSION_DEPTH.get(plain, 1)
        best, best_path = 0, []
        for callee in sorted(calls.get(node, ())):
            if callee == "__indirect_call":
                targets = indirect_targets(node)
                if targets is None:
                    errors.append(f"{node}: an indirect call the table does not resolve")
                    continue
            else:
                targets = [callee]
            for t in targets:
                if plain in RECURSION_DEPTH and t.split(":")[-1] == plain:
                    continue  # counted in the frame above
                if t in path or t == node:
                    continue  # a family callback that is also a caller on this path
                r = resolve(t, frames, by_name, node)
                if r is None:
                    ext = EXTERNAL.get(t.split(":")[-1], EXTERNAL_DEFAULT)
                    sub, sub_path = ext, [f"{t} (library, assumed)"]
                else:
                    sub, sub_path = deepest(r, path + [node])
                if sub > best:
                    best, best_path = sub, sub_path
        memo[node] = (size + best, [node] + best_path)
        return memo[node]

    worst = 0
    for root in roots:
        r = resolve(root, frames, by_name, root)
        if r is None:
            errors.append(f"root {root}: not found in the call graph")
            continue
        total, path = deepest(r, [])
        worst = max(worst, total)
        print(f"{root}: {total} bytes of stack at most (limit {args.limit})")
        for p in path:
            size = frames[p][0] if p in frames else None
            name = p.split(":")[-1]
            print(f"  {size if size is not None else '':>6}  {name}")
        if total > args.limit:
            errors.append(f"{root}: {total} bytes, over the limit of {args.limit}")
    for e in errors:
        print("stack_check: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
