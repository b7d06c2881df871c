#!/usr/bin/env python3
"""End-to-end: the training recipe (lr_schedule, clip_grad, eval, --export/--init) on the
host backend.

Oracles, none of them the program's own output:
- program.md's invariant: with a cosine schedule and a clip small enough to bite, every
  strategy (1 rank, 2 and 4 ranks under other schedules, data_parallel 2) prints the same
  loss, lr, norm and eval at every step (1e-5 relative) as the first variant;
- the cosine schedule's closed form, computed here, for every printed lr;
- with the eval file equal to the training file and eval_batches 1, `step 0 eval` (before
  any update) equals the step-1 training loss, which saw the same samples;
- --init from an export: the next run's `step 0 eval` equals the exporting run's last eval;
  an export of an unchanged model is byte-identical; the header read here with struct+json;
- hostile --init files and a too-short eval file: exit 1 with one `error:` line naming it.
"""
import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import build_variant  # noqa: E402

STEP = re.compile(r"^step (\d+) loss (\S+) lr (\S+)(?: norm (\S+))?")
EVAL = re.compile(r"^step (\d+) eval (\S+)$")


def fail(msg):
    raise SystemExit(msg)


def run(exe, args, cwd, expect_rc=0):
    proc = subprocess.run([exe, "--backend=host"] + args, cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != expect_rc:
        fail("$ %s %s\n%s%s\nstatus %d, expected %d" % (exe, " ".join(args), proc.stdout,
                                                      proc.stderr, proc.returncode, expect_rc))
    return proc


def parse(text):
    steps, evals = {}, {}
    for line in text.splitlines():
        if m := STEP.match(line):
            steps[int(m.group(1))] = tuple(float(g) if g else None for g in m.groups()[1:])
        elif m := EVAL.match(line):
            evals[int(m.group(1))] = float(m.group(2))
    return steps, evals


def close(a, b, tol):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-12)


def cosine_lr(t, last, lr, warmup, min_lr):
    if t <= warmup:
        return lr * t / warmup
    r = (t - warmup) / (last - warmup)
    return min_lr + (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * r))


def read_header(path):
    """The safetensors header as an independent reader sees it."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    return n, header, len(data) - 8 - n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pipec", required=True)
    p.add_argument("--example", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cwd", required=True)
    p.add_argument("--cxx", default="")
    p.add_argument("--steps", type=int, default=4)
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    data = os.path.join(args.cwd, "data", "tiny-shakespeare.txt")
    lr, warmup, min_lr, clip = 1e-3, 1, 1e-4, 0.05
    args.set = ["precision=f32", "device=cpu", "log_every=1", "microbatches=4", "batch=2",
                "lr_schedule=cosine(warmup: %d, min_lr: %g)" % (warmup, min_lr),
                "clip_grad=%g" % clip, 'eval=bytes("%s")' % data, "eval_every=2",
                "eval_batches=1"]

    variants = [("one-rank", ["ranks=1", "virtual=1", "schedule=1f1b"]),
                ("1f1b-2", ["ranks=2", "virtual=1", "schedule=1f1b"]),
                ("gpipe-4", ["ranks=4", "virtual=1", "schedule=gpipe"]),
                ("interleaved-2", ["ranks=2", "virtual=2", "schedule=interleaved"]),
                ("zb-h1-4", ["ranks=4", "virtual=1", "schedule=zb-h1"]),
                ("data-parallel-2", ["ranks=2", "virtual=1", "schedule=1f1b",
                                     "data_parallel=2", "microbatches=2"])]
    exes, reference = {}, None
    for name, sets in variants:
        exes[name] = build_variant(args, name, sets)
        steps, evals = parse(run(exes[name], ["--steps", str(args.steps)], args.cwd).stdout)
        if sorted(steps) != list(range(1, args.steps + 1)):
            fail("%s: step lines %s" % (name, sorted(steps)))
        if sorted(evals) != [0, 2, 4]:
            fail("%s: eval at steps %s, expected 0, 2 and %d" % (name, sorted(evals), args.steps))
        for t, (_, got_lr, norm) in steps.items():
            want = cosine_lr(t, args.steps, lr, warmup, min_lr)
            if not close(got_lr, want, 1e-4):  # printed with 5 digits
                fail("%s: step %d lr %g, the cosine schedule gives %g" % (name, t, got_lr, want))
            if norm is None or not norm > clip:
                fail("%s: step %d norm %s does not exceed clip_grad %g" % (name, t, norm, clip))
        if not close(evals[0], steps[1][0], 1e-6):
            fail("%s: step 0 eval %.9g differs from step 1's loss %.9g" % (name, evals[0],
                                                                           steps[1][0]))
        print("%-16s losses %s norms %s evals %s" % (
            name, " ".join("%.6f" % steps[t][0] for t in sorted(steps)),
            " ".join("%.4f" % steps[t][2] for t in sorted(steps)),
            " ".join("%.6f" % evals[t] for t in sorted(evals))))
        if reference is None:
            reference = (name, steps, evals)
            continue
        for t in steps:
            for what, a, b in (("loss", reference[1][t][0], steps[t][0]),
                               ("norm", reference[1][t][2], steps[t][2])):
                if not close(a, b, 1e-5):
                    fail("%s: step %d %s %.9g differs from %s's %.9g" % (name, t, what, b,
                                                                        reference[0], a))
        for t in evals:
            if not close(reference[2][t], evals[t], 1e-5):
                fail("%s: step %d eval %.9g differs from %s's %.9g" % (name, t, evals[t],
                                                                      reference[0],
                                                                      reference[2][t]))

    # One process per rank (MPI transport, its all-reduce for the norm) prints the same.
    mpirun = shutil.which("mpirun")
    if mpirun:
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        proc = subprocess.run([mpirun, "-np", "2", exes["1f1b-2"], "--steps", str(args.steps)],
                              cwd=args.cwd, capture_output=True, text=True, timeout=600, env=env)
        if proc.returncode != 0:
            fail("mpirun: status %d\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))
        steps, evals = parse(proc.stdout)
        for t in range(1, args.steps + 1):
            if not (close(steps[t][0], reference[1][t][0], 1e-5)
                    and close(steps[t][2], reference[1][t][2], 1e-5)):
                fail("mpirun: step %d %s differs from %s" % (t, steps[t], reference[1][t]))
        if any(not close(evals[t], reference[2][t], 1e-5) for t in reference[2]):
            fail("mpirun: evals %s differ from %s" % (evals, reference[2]))
        print("mpirun -np 2 agrees")

    # --export, then --init under two strategies: the same parameters evaluate alike.
    a = os.path.join(args.work, "a.safetensors")
    _, evals_a = parse(run(exes["one-rank"], ["--steps", "2", "--export", a], args.cwd).stdout)
    for name in ("one-rank", "interleaved-2"):
        b = os.path.join(args.work, "b-%s.safetensors" % name)
        steps_b, evals_b = parse(run(exes[name], ["--steps", "1", "--init", a, "--export", b],
                                     args.cwd).stdout)
        if not close(evals_b[0], evals_a[2], 1e-5):
            fail("%s --init: step 0 eval %.9g, the exporting run's last eval %.9g"
                 % (name, evals_b[0], evals_a[2]))
        if not close(evals_b[0], steps_b[1][0], 1e-6):
            fail("%s --init: step 0 eval %.9g differs from step 1's loss %.9g"
                 % (name, evals_b[0], steps_b[1][0]))
    n, header, data_bytes = read_header(a)
    if (8 + n) % 8:
        fail("header of %d bytes leaves the data unaligned" % n)
    offset = 0
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32" or t["data_offsets"] != [offset, offset + 4 * math.prod(t["shape"])]:
            fail("tensor %s: %s (data should start at %d)" % (name, t, offset))
        offset = t["data_offsets"][1]
    if offset != data_bytes:
        fail("tensors cover %d of %d data bytes" % (offset, data_bytes))
    # tiny-gpt: vocab 256, seq 64, dim 64, an MLP of 4 x dim.
    for name, shape in (("c0.embedding0.wte", [256, 64]), ("c0.embedding0.wpe", [64, 64]),
                        ("c1.attention0.wq", [64, 64]), ("c1.linear0.weight", [64, 256]),
                        ("c1.linear0.bias", [256])):
        if header.get(name, {}).get("shape") != shape:
            fail("tensor %s: %s, expected shape %s" % (name, header.get(name), shape))
    print("export: %d tensors, %d data bytes, header checked" % (len(header), data_bytes))

    # An unchanged model exports the same bytes: SGD at lr 1e-30 moves no f32 weight.
    recipe = args.set
    args.set = [s for s in recipe if not s.startswith("lr_schedule")]
    frozen = build_variant(args, "frozen", ["ranks=2", "virtual=1", "schedule=1f1b",
                                            "optimizer=sgd(lr: 1e-30)", "clip_grad=0"])
    args.set = recipe
    c = os.path.join(args.work, "c.safetensors")
    run(frozen, ["--steps", "1", "--init", a, "--export", c], args.cwd)
    if open(a, "rb").read() != open(c, "rb").read():
        fail("export after --init of an unchanged model differs from the file it started from")

    # Hostile --init files: one error line naming the tensor or the problem.
    good = open(a, "rb").read()
    hdr = good[8:8 + n].decode()
    body = good[8 + n:]

    def rewrite(h):
        h = h.encode()
        return struct.pack("<Q", len(h)) + h + body
    hostile = {
        "truncated": (good[:len(good) // 2], "run past"),
        "wrong-shape": (rewrite(hdr.replace('"shape":[256,64]', '"shape":[64,256]', 1)),
                        "c0.embedding0.wte has shape [64, 256]"),
        "missing": (rewrite(hdr.replace('"c1.linear0.bias"', '"c1.linear0.bias_"', 1)),
                    "c1.linear0.bias is missing"),
        "bad-json": (rewrite(hdr.replace("{", "[", 1)), "bad safetensors header"),
    }
    for what, (content, needle) in hostile.items():
        path = os.path.join(args.work, what + ".safetensors")
        open(path, "wb").write(content)
        proc = run(exes["one-rank"], ["--steps", "1", "--init", path], args.cwd, expect_rc=1)
        lines = proc.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: ") or needle not in lines[0]:
            fail("%s: expected one error line with '%s', got %r" % (what, needle, proc.stderr))
        if "step " in proc.stdout:
            fail("%s: trained before failing:\n%s" % (what, proc.stdout))
    print("hostile --init files: %d one-line errors" % len(hostile))

    # An eval file shorter than one window (65 tokens) fails at start.
    short = os.path.join(args.work, "short.txt")
    open(short, "w").write("too short")
    args.set = [s for s in args.set if not s.startswith("eval=")] + ['eval=bytes("%s")' % short]
    exe = build_variant(args, "short-eval", ["ranks=1"])
    proc = run(exe, ["--steps", "1"], args.cwd, expect_rc=1)
    if proc.stderr.count("\n") != 1 or "short.txt: too short" not in proc.stderr:
        fail("short eval file: %r" % proc.stderr)
    print("recipes agree across %d strategies" % len(variants))


if __name__ == "__main__":
    main()
