#!/usr/bin/env python3
"""Checks Chrome trace-event files as pipec's trace.json and a generated program's --trace
write them: complete "X" events, flows whose ids pair one "s" with one "f", one named track per
rank, and (with --plan) one slice per compute action of the plan's programs, on its rank.

Usage: check_trace.py --ranks R [--plan plan.json] FILE...
"""
import argparse
import collections
import json
import sys


def check(path, ranks, plan):
    def bad(msg):
        raise SystemExit("%s: %s" % (path, msg))

    with open(path) as f:
        doc = json.load(f)
    events = doc.get("traceEvents")
    if not isinstance(events, list) or not events:
        bad("no traceEvents list")
    names = {}
    slices = collections.defaultdict(list)
    flows = collections.defaultdict(list)
    for i, e in enumerate(events):
        ph = e.get("ph")
        if ph == "M":
            if e.get("name") == "thread_name":
                names[e["tid"]] = e["args"]["name"]
        elif ph == "X":
            for key in ("name", "ts", "dur", "pid", "tid", "cat", "args"):
                if key not in e:
                    bad("event %d (X) has no %r" % (i, key))
            if e["dur"] < 0 or e["cat"] not in ("F", "B", "W"):
                bad("event %d: bad dur or cat" % i)
            slices[e["tid"]].append((e["cat"], e["args"]["stage"], e["args"]["mb"],
                                     e["ts"], e["ts"] + e["dur"]))
        elif ph in ("s", "f"):
            flows[e["id"]].append(e)
        else:
            bad("event %d has phase %r" % (i, ph))
    if sorted(names) != list(range(ranks)) or any(
            names[r] != "rank %d" % r for r in names):
        bad("expected one track named 'rank R' per rank 0..%d, got %s" % (ranks - 1, names))
    if not set(slices) <= set(range(ranks)):
        bad("slices on tracks %s outside the %d ranks" % (sorted(slices), ranks))
    for fid, pair in flows.items():
        phases = sorted(e["ph"] for e in pair)
        if phases != ["f", "s"]:
            bad("flow id %s has phases %s, not one s and one f" % (fid, phases))
        start = [e for e in pair if e["ph"] == "s"][0]
        end = [e for e in pair if e["ph"] == "f"][0]
        if end.get("bp") != "e" or start["tid"] == end["tid"]:
            bad("flow id %s: an f needs bp e and the two ends different ranks" % fid)
        for e in pair:  # each end inside a slice of its track
            if not any(a <= e["ts"] <= b for _, _, _, a, b in slices[e["tid"]]):
                bad("flow id %s: end at %s on rank %d is in no slice" % (fid, e["ts"], e["tid"]))
    for r, rank in slices.items():  # one action at a time on a rank
        rank.sort(key=lambda s: s[3])
        for x, y in zip(rank, rank[1:]):
            if y[3] < x[4] - 1e-6:
                bad("rank %d: %s and %s overlap" % (r, x[:3], y[:3]))
    if plan is not None:
        for r, program in enumerate(plan["programs"]):
            want = sorted((a["op"], a["stage"], a["mb"]) for a in program)
            got = sorted(s[:3] for s in slices.get(r, []))
            if want != got:
                bad("rank %d: slices %s are not the plan's actions %s" % (r, got[:6], want[:6]))
    print("%s: %d slices, %d flows, %d tracks: ok" % (
        path, sum(map(len, slices.values())), len(flows), len(names)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ranks", type=int, required=True)
    p.add_argument("--plan")
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    plan = json.load(open(args.plan)) if args.plan else None
    for path in args.files:
        check(path, args.ranks, plan)


if __name__ == "__main__":
    main()
