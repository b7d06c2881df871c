#!/usr/bin/env python3
"""End-to-end checkpoint test: train N steps under strategy A; train N/2 steps under A with
--checkpoint, then resume under strategy B for the rest. Oracle: the resumed run's step losses
equal the uninterrupted run's (program.md's invariant: a checkpoint is keyed by parameter name
and the model's fingerprint, not the strategy)."""
import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from run_e2e import build_variant, run  # noqa: E402

STEP = re.compile(r"^step (\d+) loss ([-+0-9.eEinfa]+)")


def step_losses(text):
    return {int(m.group(1)): float(m.group(2))
            for m in map(STEP.match, text.splitlines()) if m}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pipec", required=True)
    p.add_argument("--example", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cxx", default="")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--tol", type=float, default=1e-5)
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--first", required=True, help="KEY=VALUE,... of strategy A")
    p.add_argument("--second", required=True, help="KEY=VALUE,... of strategy B")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    a = build_variant(args, "first", [s for s in args.first.split(",") if s])
    b = build_variant(args, "second", [s for s in args.second.split(",") if s])
    ckpt = os.path.join(args.work, "checkpoint")
    shutil.rmtree(ckpt, ignore_errors=True)

    whole = step_losses(run([a, "--backend=host", "--steps", str(args.steps)]))
    half = args.steps // 2
    run([a, "--backend=host", "--steps", str(half), "--checkpoint", ckpt])
    resumed = step_losses(run([b, "--backend=host", "--steps", str(args.steps), "--resume", ckpt]))
    print("uninterrupted", [whole[k] for k in sorted(whole)])
    print("resumed      ", [resumed[k] for k in sorted(resumed)])
    for step in range(half + 1, args.steps + 1):
        if step not in resumed:
            raise SystemExit("the resumed run printed no step %d" % step)
        x, y = whole[step], resumed[step]
        if abs(x - y) > args.tol * max(abs(x), 1e-12):
            raise SystemExit("step %d: resumed loss %.9g, uninterrupted %.9g" % (step, y, x))
    print("resuming under another strategy matches the uninterrupted run")


if __name__ == "__main__":
    main()
