#!/usr/bin/env python3
"""End-to-end: compile a .pipe example under several strategies with pipec -o, build each
generated CMake project, train it on the host backend and compare the step losses.

Oracle: program.md's invariant. For one model, seed, data and global batch, every strategy
gives the same loss at every step (f32, host backend, 1e-5 relative), so each variant's
losses are compared with the first variant's (one rank).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

STEP = re.compile(r"^step (\d+) loss ([-+0-9.eEinfa]+)")
PEAK = re.compile(r"^rank (\d+) peak_bytes (\d+) predicted (\d+)$")
STEP_US = re.compile(r"^step_us ([0-9.]+) predicted ([0-9.]+)$")


def run(cmd, cwd=None, timeout=900):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        sys.stderr.write("$ %s\n%s%s" % (" ".join(cmd), proc.stdout, proc.stderr))
        raise SystemExit("command failed with status %d" % proc.returncode)
    return proc.stdout


def build_variant(args, name, sets):
    out = os.path.join(args.work, name)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [args.pipec, args.example, "-o", out]
    for s in args.set + sets:
        cmd += ["--set", s]
    run(cmd)
    run(["cmake", "-G", "Ninja", "-S", out, "-B", os.path.join(out, "build"),
         "-DCMAKE_BUILD_TYPE=Release"] + (["-DCMAKE_CXX_COMPILER=" + args.cxx] if args.cxx else []))
    run(["cmake", "--build", os.path.join(out, "build")])
    exes = [f for f in os.listdir(os.path.join(out, "build"))
            if os.access(os.path.join(out, "build", f), os.X_OK)
            and os.path.isfile(os.path.join(out, "build", f))]
    if len(exes) != 1:
        raise SystemExit("%s: expected one executable in the build, found %s" % (name, exes))
    return os.path.join(out, "build", exes[0])


def check_memory(name, text, ranks, tol):
    """The end-of-run lines: one per rank, measured peak within tol of the plan's."""
    peaks = [tuple(map(int, m.groups())) for m in map(PEAK.match, text.splitlines()) if m]
    if [r for r, _, _ in peaks] != list(range(ranks)):
        raise SystemExit("%s: expected a peak_bytes line for each of %d ranks, got:\n%s"
                         % (name, ranks, text))
    for r, measured, predicted in peaks:
        if predicted <= 0 or abs(measured - predicted) > tol * predicted:
            raise SystemExit("%s: rank %d holds %d bytes, the plan predicted %d (tolerance %g)"
                             % (name, r, measured, predicted, tol))
    if not any(map(STEP_US.match, text.splitlines())):
        raise SystemExit("%s: no step_us line in:\n%s" % (name, text))
    return "peak " + " ".join("%d/%d" % (m, p) for _, m, p in peaks)


def check_trace(args, name, exe, run_trace, ranks):
    """Both traces (pipec's prediction, the run's measurement) pass check_trace.py and
    pipec-timeline draws each; a --trace path that cannot be written fails at the start."""
    out = os.path.dirname(os.path.dirname(exe))
    here = os.path.dirname(os.path.abspath(__file__))
    files = [os.path.join(out, "trace.json"), run_trace]
    run([sys.executable, os.path.join(here, "check_trace.py"), "--ranks", str(ranks),
         "--plan", os.path.join(out, "plan.json")] + files)
    for f in files:
        chart = run([args.timeline, f])
        if "rank %d |" % (ranks - 1) not in chart or "makespan" not in chart:
            raise SystemExit("%s: pipec-timeline drew no chart of %s:\n%s" % (name, f, chart))
    bad = os.path.join(args.work, "no-such-dir", "t.json")
    proc = subprocess.run([exe, "--backend=host", "--steps", "1", "--trace", bad],
                          cwd=args.cwd, capture_output=True, text=True, timeout=300)
    lines = proc.stderr.splitlines()
    if (proc.returncode != 1 or len(lines) != 1 or not lines[0].startswith("error: --trace")
            or STEP.search(proc.stdout or "")):
        raise SystemExit("%s: an unwritable --trace gave status %d, stdout %r, stderr %r"
                         % (name, proc.returncode, proc.stdout, proc.stderr))


def losses(exe, steps, cwd, extra=()):
    text = run([exe, "--backend=host", "--steps", str(steps)] + list(extra), cwd=cwd)
    found = [(int(m.group(1)), float(m.group(2)))
             for m in map(STEP.match, text.splitlines()) if m]
    if len(found) != steps:
        raise SystemExit("%s: expected %d step lines, got:\n%s" % (exe, steps, text))
    return [x for _, x in found], text


def ranks_of(args, sets):
    """The variant's pipeline ranks: its ranks= key, else the --set one, else the
    example's `ranks = N`."""
    for s in reversed(args.set + sets):
        if s.startswith("ranks="):
            return int(s.split("=", 1)[1])
    m = re.search(r"^\s*ranks\s*=\s*(\d+)", open(args.example).read(), re.M)
    return int(m.group(1)) if m else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pipec", required=True)
    p.add_argument("--example", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cwd", default=os.getcwd(), help="where the program runs (data paths)")
    p.add_argument("--cxx", default="")
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--tol", type=float, default=1e-5)
    p.add_argument("--set", action="append", default=[], help="applied to every variant")
    p.add_argument("--variant", action="append", required=True,
                   help="NAME:KEY=VALUE,KEY=VALUE (the first is the reference)")
    p.add_argument("--build-only", action="store_true",
                   help="only generate and build each variant's project")
    p.add_argument("--check-memory", type=float, default=0,
                   help="also require every rank's measured peak_bytes within this "
                        "relative tolerance of the plan's prediction")
    p.add_argument("--timeline", default="",
                   help="pipec-timeline: also write --trace, check both traces and draw them")
    p.add_argument("--expect-decrease", action="store_true",
                   help="also require the mean of the last 10%% of steps below the first 10%%")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)

    reference = None
    for spec in args.variant:
        name, _, sets = spec.partition(":")
        sets = [s for s in sets.split(",") if s]
        exe = build_variant(args, name, sets)
        if args.build_only:
            print("%-24s built %s" % (name, exe))
            continue
        run_trace = os.path.join(args.work, name, "run-trace.json")
        got, text = losses(exe, args.steps, args.cwd,
                           ["--trace", run_trace] if args.timeline else [])
        if args.timeline:
            check_trace(args, name, exe, run_trace, ranks_of(args, sets))
        memory = (check_memory(name, text, ranks_of(args, sets), args.check_memory)
                  if args.check_memory else "")
        print("%-24s %s %s" % (name, " ".join("%.6f" % x for x in got[:8]), memory))
        if reference is None:
            reference = (name, got)
            if args.expect_decrease:
                k = max(1, len(got) // 10)
                first, last = sum(got[:k]) / k, sum(got[-k:]) / k
                print("mean loss of the first %d steps %.4f, of the last %d %.4f" % (k, first, k, last))
                if not last < first * 0.95:
                    raise SystemExit("training did not lower the loss")
            continue
        for step, (a, b) in enumerate(zip(reference[1], got)):
            if abs(a - b) > args.tol * max(abs(a), 1e-12):
                raise SystemExit("%s: step %d loss %.9g differs from %s's %.9g (tolerance %g)"
                                 % (name, step + 1, b, reference[0], a, args.tol))
    if not args.build_only:
        print("all %d variants agree" % len(args.variant))


if __name__ == "__main__":
    main()
