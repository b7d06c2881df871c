"""Re-simulates a printed plan, independently of pipec's code.

usage: resimulate.py PLAN.json [PLAN.json ...]

For each plan: the printed cell costs summed over each stage's cells (plus
the forward again under recompute, in bwd_us) give the printed stage costs,
and playing the printed programs with the printed stage costs under pipec's
simulation semantics (each rank runs its actions in order; F(s,k) after
F(s-1,k) + send; B(s,k) after F(s,k) and B(s+1,k) + send; W after B; sends
take no rank time; B includes wgrad when the schedule has no W) gives the
printed makespan and bubble, to 1e-9 relative.
"""
import json
import sys

TOL = 1e-9


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def check_stage_sums(plan, recompute):
    cells = plan["cells"]
    for i, st in enumerate(plan["stage_list"]):
        lo, hi = st["cells"]
        fwd = sum(c["fwd_us"] for c in cells[lo:hi])
        bwd = sum(c["bwd_us"] for c in cells[lo:hi])
        wgrad = sum(c["wgrad_us"] for c in cells[lo:hi])
        if recompute:
            bwd += fwd
        for key, want in (("fwd_us", fwd), ("bwd_us", bwd), ("wgrad_us", wgrad)):
            if not close(st[key], want):
                sys.exit(f"stage {i} {key}: printed {st[key]!r}, cells sum to {want!r}")


def simulate(plan):
    stages = plan["stage_list"]
    programs = plan["programs"]
    has_w = any(a["op"] == "W" for p in programs for a in p)
    end = {}  # (op, stage, mb) -> end time
    free = [0.0] * len(programs)
    pc = [0] * len(programs)
    busy = 0.0

    def send(s, t):  # moving between stages s and t = s +- 1
        lo = min(s, t)
        return stages[lo]["send_us"] if stages[s]["rank"] != stages[t]["rank"] else 0.0

    progress = True
    while progress:
        progress = False
        for r, prog in enumerate(programs):
            while pc[r] < len(prog):
                a = prog[pc[r]]
                s, k = a["stage"], a["mb"]
                deps = []
                if a["op"] == "F":
                    if s > 0:
                        deps.append((("F", s - 1, k), send(s - 1, s)))
                    dur = stages[s]["fwd_us"]
                elif a["op"] == "B":
                    deps.append((("F", s, k), 0.0))
                    if s + 1 < len(stages):
                        deps.append((("B", s + 1, k), send(s, s + 1)))
                    dur = stages[s]["bwd_us"] + (0.0 if has_w else stages[s]["wgrad_us"])
                else:
                    deps.append((("B", s, k), 0.0))
                    dur = stages[s]["wgrad_us"]
                if any(d not in end for d, _ in deps):
                    break
                start = max([free[r]] + [end[d] + lag for d, lag in deps])
                end[(a["op"], s, k)] = start + dur
                free[r] = start + dur
                busy += dur
                pc[r] += 1
                progress = True
    if any(pc[r] < len(p) for r, p in enumerate(programs)):
        sys.exit("the printed programs deadlock")
    makespan = max(free)
    bubble = 1.0 - busy / (len(programs) * makespan) if makespan > 0 else 0.0
    return makespan, bubble


def main():
    for path in sys.argv[1:]:
        with open(path) as f:
            plan = json.load(f)
        # The plan does not print `recompute`; the file name says it.
        recompute = "recompute" in path
        check_stage_sums(plan, recompute)
        makespan, bubble = simulate(plan)
        sim = plan["simulation"]
        if not close(makespan, sim["makespan_us"]):
            sys.exit(f"{path}: makespan re-simulated {makespan!r}, printed {sim['makespan_us']!r}")
        if not close(bubble, sim["bubble"]):
            sys.exit(f"{path}: bubble re-simulated {bubble!r}, printed {sim['bubble']!r}")
        print(f"{path}: ok")


main()
