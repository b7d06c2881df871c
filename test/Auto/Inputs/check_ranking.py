"""Checks pipec's `schedule = auto` table against fixed-schedule compiles.

usage: check_ranking.py PIPEC FILE.pipe TABLE.txt [--set K=V]... [--expect N]

Every row of the table is compiled again by PIPEC with its configuration set
explicitly (an independent run of the ordinary pipeline). The oracle: a row
that says it fits compiles and its plan's simulated makespan equals the
row's; a row that does not fit fails to compile (exit 1, a memory error);
the rows are ranked (fitting first, makespans non-decreasing), so the best
is never slower than any fixed configuration tried; and the plan of the auto
compile (--emit=plan) is the best row's configuration and makespan.
"""
import json
import re
import subprocess
import sys

ROW = re.compile(r"^\s*(\d+) (\S+)\s+(\d+)\s+(\d+) x (\d+)\s+(on|off)\s+(\S+)\s+"
                 r"(\S+)\s+(\S+ [KMG]iB|-)\s+(yes|no: .*)$")


def fail(msg):
    print("check_ranking: " + msg)
    sys.exit(1)


def main():
    pipec, pipe_file, table = sys.argv[1:4]
    rest = sys.argv[4:]
    sets, expect = [], None
    while rest:
        if rest[0] == "--set":
            sets += ["--set", rest[1]]
        elif rest[0] == "--expect":
            expect = int(rest[1])
        rest = rest[2:]
    lines = open(table).read().splitlines()
    head = [l for l in lines if l.startswith("auto: ")]
    if len(head) != 1:
        fail("no 'auto:' headline")
    rows = [ROW.match(l) for l in lines]
    rows = [r for r in rows if r]
    count = int(re.match(r"auto: (\d+) candidates", head[0]).group(1))
    if count != len(rows):
        fail("headline says %d candidates, table has %d rows" % (count, len(rows)))
    if expect is not None and count != expect:
        fail("expected %d candidates (hand count), got %d" % (expect, count))
    if [int(r.group(1)) for r in rows] != list(range(1, len(rows) + 1)):
        fail("ranks are not 1..N")

    fits = [r.group(10) == "yes" for r in rows]
    if fits != sorted(fits, reverse=True):
        fail("a non-fitting row is ranked above a fitting one")
    times = [float(r.group(7)) for r in rows if r.group(10) == "yes"]
    if times != sorted(times):
        fail("fitting rows are not sorted by makespan: %s" % times)
    if not fits[0]:
        fail("the best row does not fit")

    base = [pipec, pipe_file] + sets
    for r in rows:
        sched, virt, mb, batch, rc = r.group(2), r.group(3), r.group(4), r.group(5), r.group(6)
        fixed = base + ["--set", "schedule=" + sched, "--set", "virtual=" + virt,
                        "--set", "microbatches=" + mb, "--set", "batch=" + batch,
                        "--set", "recompute=" + ("true" if rc == "on" else "false"),
                        "--emit=plan"]
        run = subprocess.run(fixed, capture_output=True, text=True)
        what = "row %s (%s v%s %sx%s recompute %s)" % (r.group(1), sched, virt, mb, batch, rc)
        if r.group(10) == "yes":
            if run.returncode != 0:
                fail(what + " fits but its fixed compile fails:\n" + run.stderr)
            got = json.loads(run.stdout)["simulation"]["makespan_us"]
            if abs(got - float(r.group(7))) > 1e-3:
                fail("%s: table makespan %s, fixed plan %s" % (what, r.group(7), got))
            if got < times[0] - 1e-3:
                fail("%s is faster (%s) than the best (%s)" % (what, got, times[0]))
        else:
            if run.returncode != 1 or "needs" not in run.stderr:
                fail(what + " does not fit but its fixed compile does not fail "
                     "with a memory error (exit %d):\n%s" % (run.returncode, run.stderr))

    best = rows[0]
    run = subprocess.run(base + ["--set", "schedule=auto", "--emit=plan"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        fail("auto --emit=plan fails:\n" + run.stderr)
    plan = json.loads(run.stdout)  # stdout is pure JSON
    got = (plan["schedule"], plan["virtual"], plan["microbatches"], plan["batch"])
    want = (best.group(2), int(best.group(3)), int(best.group(4)), int(best.group(5)))
    if got != want:
        fail("auto plan is %s, the best row %s" % (got, want))
    if abs(plan["simulation"]["makespan_us"] - float(best.group(7))) > 1e-3:
        fail("auto plan's makespan differs from the best row's")
    if "auto: " not in run.stderr:
        fail("with --emit=plan the ranking should be on stderr")
    print("check_ranking: %d rows, %d fit, best %s v%s %sx%s recompute %s: %s us"
          % (len(rows), sum(fits), best.group(2), best.group(3), best.group(4),
             best.group(5), best.group(6), best.group(7)))


main()
