#!/usr/bin/env python3
"""GPT-2 small's parameter count in closed form against the plan pipec prints.

The plan's cells state their parameters in bytes (param_bytes, 2 per value under bf16), so
their sum over cells / 2 is the model's parameter count; a tied head adds nothing of its own.
Closed form (Radford et al. 2019, vocabulary padded to 50304): token table V*d, positions
n*d, per layer two layernorms (4d), attention q, k, v, o with biases (4d^2 + 4d) and the MLP
(d*4d + 4d + 4d*d + d), and the final layernorm (2d).
"""
import json
import sys

V, n, d, L = 50304, 1024, 768, 12
layer = 4 * d + (4 * d * d + 4 * d) + (d * 4 * d + 4 * d + 4 * d * d + d)
closed = V * d + n * d + L * layer + 2 * d

plan = json.load(open(sys.argv[1]))
counted = sum(c["param_bytes"] for c in plan["cells"]) // 2
print("closed form %d, plan %d" % (closed, counted))
if closed != counted:
    raise SystemExit("the plan counts %d parameters, the closed form %d" % (counted, closed))
