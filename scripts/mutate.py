#!/usr/bin/env python3
"""Mutation smoke run: does the test suite catch deliberate faults?

Each fault in tests/mutations.txt is applied alone to a scratch copy of the source tree; the
library and tests are rebuilt and the fault's own tests run, then (if none of those failed) the
whole suite. A fault is "killed" when some test fails or times out, and "survived" when every test
passes: then the suite cannot tell that build from a correct one, which is a defect of the suite.

  scripts/mutate.py                  every fault (the run before an issue is resolved)
  scripts/mutate.py --rotate 4       4 faults, a different four at each commit (CI)
  scripts/mutate.py --only a,b       the named faults
  scripts/mutate.py --list           the faults, without running anything
  scripts/mutate.py --check          every fault's text occurs exactly once (make lint)

The scratch copy lives in build-mutate/ (--work); the repository itself is never modified. Exit
status 0 when every fault run was killed, 1 when one survived, 2 on a broken setup (an unmutated
test failing, a fault whose text is not found exactly once, a fault that does not compile).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = ("name", "fault", "file", "find", "replace", "tests")
# not affected by a source fault (they check the install tree and the stack script's fixtures),
# and the install test alone takes longer than most
EXCLUDED = ("test_install", "test_stack_check")


def parse(path):
    faults, cur = [], {}
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    faults.append(cur)
                    cur = {}
                continue
            key, sep, value = line.partition(":")
            if not sep or key not in FIELDS:
                sys.exit(f"{path}:{lineno}: expected one of {', '.join(FIELDS)} followed by ':'")
            if key in cur:
                sys.exit(f"{path}:{lineno}: '{key}' given twice in one fault")
            cur[key] = value.strip()
            cur.setdefault("line", lineno)
    if cur:
        faults.append(cur)
    names = set()
    for flt in faults:
        missing = [k for k in FIELDS if k not in flt]
        if missing:
            sys.exit(f"{path}:{flt['line']}: fault lacks {', '.join(missing)}")
        if flt["name"] in names:
            sys.exit(f"{path}:{flt['line']}: fault name '{flt['name']}' used twice")
        names.add(flt["name"])
        flt["tests"] = flt["tests"].split()
    return faults


def run(cmd, cwd, timeout=None, log=None):
    """Runs cmd; returns (exit status, combined output). A timeout counts as status -1."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc = -1
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(cmd)}\n{out}\n")
    return rc, out


def copy_tree(dst):
    """The working tree's files (tracked and new, not ignored) into dst; unchanged files keep
    their times so that the scratch build stays incremental between runs."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout.split(b"\0")
    for rel in files:
        if not rel:
            continue
        rel = rel.decode()
        src, out = os.path.join(ROOT, rel), os.path.join(dst, rel)
        if not os.path.isfile(src):
            continue  # deleted but still in the index
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if os.path.exists(out):
            with open(src, "rb") as a, open(out, "rb") as b:
                if a.read() == b.read():
                    continue
        shutil.copy2(src, out)
    # the browser pages' packages (installed, not tracked): the scratch build bundles from them
    modules, link = os.path.join(ROOT, "web", "node_modules"), os.path.join(dst, "web", "node_modules")
    if os.path.isdir(modules) and not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(modules, link)


def failed_tests(output):
    """Names in ctest's 'The following tests FAILED' list (failures and timeouts)."""
    names = re.findall(r"^\s*\d+ - (\S+) \((?!Skipped|Not Run)[^)]*\)", output, re.M)
    return sorted(set(names))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--list-file", default=os.path.join(ROOT, "tests", "mutations.txt"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build-mutate"))
    ap.add_argument("--only", default="", help="comma-separated fault names")
    ap.add_argument("--rotate", type=int, default=0,
                    help="run this many faults, chosen by the commit count so that CI cycles "
                         "through the list")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=300, help="seconds per test")
    args = ap.parse_args()

    faults = parse(args.list_file)
    if args.list:
        for f in faults:
            print(f"{f['name']:<36} {f['file']}: {f['fault']}")
        return 0
    if args.check:  # cheap, so that an edit that moves a fault's text fails lint, not CI's end
        bad = 0
        for f in faults:
            try:
                with open(os.path.join(ROOT, f["file"]), encoding="utf-8") as fh:
                    n = fh.read().count(f["find"])
            except OSError:
                n = 0
            if n != 1:
                print(f"{args.list_file}:{f['line']}: {f['name']}: the text to replace occurs "
                      f"{n} times in {f['file']}")
                bad += 1
        return 2 if bad else 0
    if args.only:
        wanted = args.only.split(",")
        unknown = [w for w in wanted if w not in {f["name"] for f in faults}]
        if unknown:
            sys.exit(f"mutate: no fault named {', '.join(unknown)} in {args.list_file}")
        faults = [f for f in faults if f["name"] in wanted]
    elif args.rotate > 0:
        try:
            count = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=ROOT,
                                       stdout=subprocess.PIPE, text=True, check=True).stdout)
        except (subprocess.CalledProcessError, ValueError):
            count = 0
        start = (count * args.rotate) % len(faults)
        faults = [faults[(start + i) % len(faults)] for i in range(min(args.rotate, len(faults)))]

    src = os.path.join(args.work, "src")
    build = os.path.join(args.work, "build")
    log = os.path.join(args.work, "mutate.log")
    os.makedirs(src, exist_ok=True)
    open(log, "w").close()
    copy_tree(src)
    print(f"mutate: {len(faults)} fault(s); scratch tree {src}; log {log}", flush=True)

    # the unmutated source must build and pass, or no result below means anything
    rc, out = run(["cmake", "-S", src, "-B", build, "-DXN_BUILD_BENCH=OFF", "-DXN_BUILD_FUZZ=OFF"],
                  ROOT, log=log)
    if rc != 0:
        print(out[-3000:])
        return 2
    build_cmd = ["cmake", "--build", build, "-j", str(args.jobs)]
    rc, out = run(build_cmd, ROOT, log=log)
    if rc != 0:
        print("mutate: the unmutated tree does not build:\n" + out[-3000:])
        return 2
    ctest = ["ctest", "--test-dir", build, "--timeout", str(args.timeout), "-j", str(args.jobs)]
    exclude = "^(" + "|".join(EXCLUDED) + ")$"
    rc, out = run(ctest + ["-E", exclude], ROOT, log=log)
    if rc != 0:  # once more for what failed: a test the loaded machine upset is no broken tree
        first = failed_tests(out)
        rc, out = run(ctest + ["-E", exclude, "--rerun-failed"], ROOT, log=log)
        if rc == 0:
            print(f"mutate: {', '.join(first)} failed once on the unmutated tree, then passed")
    if rc != 0:
        print(f"mutate: the unmutated tree fails {', '.join(failed_tests(out))}; fix that first")
        return 2

    rows, survived, broken = [], 0, 0
    for f in faults:
        path = os.path.join(src, f["file"])
        with open(path, encoding="utf-8") as fh:
            original = fh.read()
        n = original.count(f["find"])
        if n != 1:
            print(f"mutate: {f['name']}: the text to replace occurs {n} times in {f['file']}")
            rows.append((f, "not applied", f"text found {n} times", 0))
            broken += 1
            continue
        t0 = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(original.replace(f["find"], f["replace"]))
            rc, out = run(build_cmd, ROOT, log=log)
            if rc != 0:
                rows.append((f, "does not compile", "", time.monotonic() - t0))
                broken += 1
                continue
            first = "^(" + "|".join(f["tests"]) + ")$"
            rc, out = run(ctest + ["-R", first], ROOT, log=log)
            killers = failed_tests(out) if rc != 0 else []
            if not killers:  # the expected tests missed it: does anything else catch it?
                rc, out = run(ctest + ["-E", "^(" + "|".join(EXCLUDED + tuple(f["tests"])) + ")$"],
                              ROOT, log=log)
                killers = failed_tests(out) if rc != 0 else []
                if rc != 0 and not killers:
                    killers = ["(ctest failed)"]
        finally:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(original)
        if killers:
            rows.append((f, "killed", ", ".join(killers), time.monotonic() - t0))
        else:
            rows.append((f, "SURVIVED", "", time.monotonic() - t0))
            survived += 1
        print(f"  {f['name']:<36} {rows[-1][1]:<9} {rows[-1][2]}", flush=True)

    # restore the build to the unmutated tree so the next run starts incremental and clean
    run(build_cmd, ROOT, log=log)
    report = ["| fault | where | result | killed by |", "|---|---|---|---|"]
    for f, result, by, secs in rows:
        report.append(f"| {f['name']}: {f['fault']} | `{f['file']}` | {result} | {by} |")
    text = "\n".join(report) + "\n"
    with open(os.path.join(args.work, "mutation-report.md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)
    killed = sum(1 for r in rows if r[1] == "killed")
    print(f"mutate: {killed} killed, {survived} survived, {broken} not run, of {len(rows)}")
    return 2 if broken else 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
