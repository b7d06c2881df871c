"""Checks the need that pipec's `schedule = auto` names when nothing fits.

usage: check_closest.py PIPEC FILE.pipe ERRORS.txt WORKDIR

From the error "the closest, S virtual V, M micro-batches of B, recompute
R, needs ... (N bytes) on rank K but the device has ... (C bytes)", writes
two copies of the device profile the .pipe file names, with N and N - 1
bytes, and checks: the named configuration compiled as a fixed schedule
fits N bytes and not N - 1 (so N is its real need), and auto succeeds on N
bytes and fails on N - 1 (so no candidate needs less: it is the closest).
"""
import json
import os
import re
import subprocess
import sys

pipec, pipe_file, errors, work = sys.argv[1:5]
text = open(errors).read()
m = re.search(r"the closest, (\S+) virtual (\d+), (\d+) micro-batch(?:es)? of "
              r"(\d+), recompute (on|off), needs .*? \((\d+) bytes\) on rank "
              r"\d+ but the device has .*? \((\d+) bytes\)", text)
if not m:
    print("check_closest: no 'closest' in the error:\n" + text)
    sys.exit(1)
sched, virt, mb, batch, rc, need, cap = m.groups()
need, cap = int(need), int(cap)
if need <= cap:
    print("check_closest: need %d does not exceed capacity %d" % (need, cap))
    sys.exit(1)

device = re.search(r'device = "([^"]+)"', open(pipe_file).read()).group(1)
profile = json.load(open(os.path.join(os.path.dirname(pipe_file), device)))
os.makedirs(work, exist_ok=True)


def device_with(nbytes):
    path = os.path.join(work, "device-%d.json" % nbytes)
    profile["memory_bytes"] = nbytes
    json.dump(profile, open(path, "w"))
    return ["--set", 'device="%s"' % path]


fixed = ["--set", "schedule=" + sched, "--set", "virtual=" + virt,
         "--set", "microbatches=" + mb, "--set", "batch=" + batch,
         "--set", "recompute=" + ("true" if rc == "on" else "false")]
checks = [(fixed, need, 0), (fixed, need - 1, 1), ([], need, 0), ([], need - 1, 1)]
for extra, nbytes, want in checks:
    run = subprocess.run([pipec, pipe_file, "--emit=plan"] + extra + device_with(nbytes),
                         capture_output=True, text=True)
    if run.returncode != want:
        print("check_closest: %s on %d bytes: exit %d, expected %d\n%s"
              % ("fixed" if extra else "auto", nbytes, run.returncode, want, run.stderr))
        sys.exit(1)
print("check_closest: %s v%s %sx%s recompute %s needs exactly %d bytes"
      % (sched, virt, mb, batch, rc, need))
