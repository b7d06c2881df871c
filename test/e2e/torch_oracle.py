#!/usr/bin/env python3
"""PyTorch as an independent oracle of a generated program's maths.

The test builds the network of a .pipe model in PyTorch from the language's definitions (the
models of Inputs/oracle-*.pipe, written out below by hand), starts both from the same random
weights (a safetensors file this script writes, given to the program with --init), trains both
for a few steps on the same bytes data, and compares:
  - the loss of every step (1e-5 relative),
  - the learning rate (to the 5 digits the step line prints) and the gradient norm (1e-5),
  - every parameter after the last step (the program's --export file; 1e-4 relative to the
    tensor's largest value).
The optimizer and gradient clipping are PyTorch's own (torch.optim.AdamW / SGD,
torch.nn.utils.clip_grad_norm_); the learning-rate schedule is computed here from its definition
in the user docs. The safetensors files are read and written with struct and json.

Skips (exit status 77, with a message) only when PyTorch cannot be imported.
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

try:
    import torch
    import torch.nn.functional as F
except ImportError as err:  # the setup script installs python3-torch
    print("SKIP: PyTorch is not installed (%s); scripts/setup.sh installs python3-torch" % err)
    sys.exit(77)

STEP = re.compile(r"^step (\d+) loss (\S+)(.*)$")


def run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        sys.stderr.write("$ %s\n%s%s" % (" ".join(cmd), proc.stdout, proc.stderr))
        raise SystemExit("command failed with status %d" % proc.returncode)
    return proc.stdout


# ---- safetensors (f32 only), independent of the program's writer ----------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        count = (end - begin) // 4
        values = struct.unpack("<%df" % count, blob[base + begin:base + end])
        out[name] = torch.tensor(values, dtype=torch.float32).reshape(info["shape"])
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# ---- the language's ops in PyTorch ----------------------------------------------------------

def layernorm(x, p, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), p["scale"], p["shift"], eps)


def rmsnorm(x, p, eps=1e-6):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * p["scale"]


def linear(x, p, n, bias=True, tied=None):
    w = tied.t() if tied is not None else p["weight"].reshape(x.shape[-1], n)
    y = x @ w
    return y + p["bias"] if bias else y


def rope(t):
    """Rotates the pairs (2i, 2i+1) of each head row by pos * 10000^(-2i/hd)."""
    b, h, s, hd = t.shape
    pos = torch.arange(s, dtype=torch.float64)[:, None]
    theta = pos * torch.pow(10000.0, -2.0 * torch.arange(hd // 2, dtype=torch.float64) / hd)
    c, sn = torch.cos(theta).float(), torch.sin(theta).float()
    a, bb = t[..., 0::2], t[..., 1::2]
    out = torch.empty_like(t)
    out[..., 0::2] = a * c - bb * sn
    out[..., 1::2] = a * sn + bb * c
    return out


def attention(x, p, heads, kv_heads=None, causal=True, use_rope=False, bias=False):
    kv_heads = kv_heads or heads
    b, s, d = x.shape
    hd = d // heads
    dkv = hd * kv_heads

    def proj(name, n):
        y = x @ p["w" + name].reshape(d, n)
        return y + p["b" + name] if bias else y

    q = proj("q", d).reshape(b, s, heads, hd).transpose(1, 2)
    k = proj("k", dkv).reshape(b, s, kv_heads, hd).transpose(1, 2)
    v = proj("v", dkv).reshape(b, s, kv_heads, hd).transpose(1, 2)
    group = heads // kv_heads
    k = k.repeat_interleave(group, dim=1)  # query head h reads kv head h // group
    v = v.repeat_interleave(group, dim=1)
    if use_rope:
        q, k = rope(q), rope(k)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
    if causal:
        mask = torch.ones(s, s, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, d)
    out = y @ p["wo"].reshape(d, d)
    return out + p["bo"] if bias else out


def gelu(x):
    return F.gelu(x, approximate="tanh")


def swiglu(a, b):
    return F.silu(a) * b


def embedding(ids, p, positional):
    x = p["wte"][ids]
    if positional:
        x = x + p["wpe"][: ids.shape[-1]]
    return x


def cross_entropy(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long())


class Params:
    """pipec's names: c<cell>.<op><k>.<param>, k counting that op within the cell."""

    def __init__(self, tensors):
        self.t = tensors

    def __call__(self, cell, op):
        prefix = "c%d.%s." % (cell, op)
        return {n[len(prefix):]: v for n, v in self.t.items() if n.startswith(prefix)}


# ---- the two oracle models (Inputs/oracle-gpt.pipe, Inputs/oracle-llama.pipe) ---------------

def gpt_loss(P, tokens, targets):
    dim, vocab = 32, 64
    e = P(0, "embedding0")
    x = embedding(tokens, e, positional=True)
    for cell in (1, 2):
        x = x + attention(layernorm(x, P(cell, "layernorm0")), P(cell, "attention0"), heads=4,
                          bias=True)
        h = linear(layernorm(x, P(cell, "layernorm1")), P(cell, "linear0"), 4 * dim)
        x = x + linear(gelu(h), P(cell, "linear1"), dim)
    wte = e["wte"].reshape(vocab, dim)
    logits = linear(layernorm(x, P(3, "layernorm0")), {}, vocab, bias=False, tied=wte)
    return cross_entropy(logits, targets)


def llama_loss(P, tokens, targets):
    dim, vocab, hidden = 32, 64, 48
    x = embedding(tokens, {"wte": P(0, "embedding0")["wte"].reshape(vocab, dim)}, False)
    for cell in (1, 2):
        x = x + attention(rmsnorm(x, P(cell, "rmsnorm0")), P(cell, "attention0"), heads=4,
                          kv_heads=2, use_rope=True)
        h = rmsnorm(x, P(cell, "rmsnorm1"))
        g = linear(h, P(cell, "linear0"), hidden, bias=False)
        u = linear(h, P(cell, "linear1"), hidden, bias=False)
        x = x + linear(swiglu(g, u), P(cell, "linear2"), dim, bias=False)
    logits = linear(rmsnorm(x, P(3, "rmsnorm0")), P(3, "linear0"), vocab, bias=False)
    return cross_entropy(logits, targets)


MODELS = {
    "gpt": dict(loss=gpt_loss, optimizer=lambda ps: torch.optim.AdamW(
        ps, lr=3e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1),
        lr=3e-3, warmup=1, min_lr=3e-4, clip=0.5),
    "llama": dict(loss=llama_loss, optimizer=lambda ps: torch.optim.SGD(
        ps, lr=0.5, momentum=0.9), lr=0.5, warmup=1, min_lr=0.05, clip=1.0),
}
SEQ, VOCAB = 16, 64


def cosine_lr(t, steps, lr, warmup, min_lr):
    """The user docs' cosine schedule: step t of `steps` (1-based) uses lr * t / W while t <= W,
    then min_lr + (lr - min_lr) (1 + cos(pi (t - W) / (steps - W))) / 2."""
    if t <= warmup:
        return lr * t / warmup
    progress = (t - warmup) / (steps - warmup)
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))


def samples(data, first, count):
    """Samples [first, first + count): windows of SEQ + 1 tokens at i * SEQ, wrapping."""
    tokens, targets = [], []
    for i in range(first, first + count):
        w = [data[(i * SEQ + j) % len(data)] for j in range(SEQ + 1)]
        tokens.append(w[:SEQ])
        targets.append(w[1:])
    return torch.tensor(tokens), torch.tensor(targets)


def build(args, example, out, sets):
    shutil.rmtree(out, ignore_errors=True)
    cmd = [args.pipec, example, "-o", out]
    for s in sets:
        cmd += ["--set", s]
    run(cmd)
    run(["cmake", "-G", "Ninja", "-S", out, "-B", os.path.join(out, "build"),
         "-DCMAKE_BUILD_TYPE=Release"] + (["-DCMAKE_CXX_COMPILER=" + args.cxx] if args.cxx else []))
    run(["cmake", "--build", os.path.join(out, "build")])
    build_dir = os.path.join(out, "build")
    exes = [f for f in os.listdir(build_dir)
            if os.path.isfile(os.path.join(build_dir, f)) and os.access(os.path.join(build_dir, f), os.X_OK)]
    if len(exes) != 1:
        raise SystemExit("expected one executable in %s, found %s" % (build_dir, exes))
    return os.path.join(build_dir, exes[0])


def close(a, b, tol):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-12)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pipec", required=True)
    p.add_argument("--model", choices=sorted(MODELS), required=True)
    p.add_argument("--example", required=True, help="the model's .pipe file")
    p.add_argument("--work", required=True)
    p.add_argument("--cxx", default="")
    p.add_argument("--set", action="append", default=[], help="the strategy, e.g. ranks=2")
    p.add_argument("--steps", type=int, default=3)
    args = p.parse_args()
    torch.manual_seed(20261202)
    spec = MODELS[args.model]
    os.makedirs(args.work, exist_ok=True)

    # The data: bytes below the vocabulary.
    gen = torch.Generator().manual_seed(7)
    data = torch.randint(0, VOCAB, (4096,), generator=gen).tolist()
    with open(os.path.join(args.work, "oracle-data.bin"), "wb") as f:
        f.write(bytes(data))

    # The model beside its data (the program reads data relative to the .pipe file).
    example = os.path.join(args.work, os.path.basename(args.example))
    shutil.copyfile(args.example, example)
    exe = build(args, example, os.path.join(args.work, "program"), args.set)
    # The program's own names and shapes, from an export of its seed's weights.
    seed_file = os.path.join(args.work, "seed.safetensors")
    run([exe, "--backend=host", "--steps", "1", "--export", seed_file], cwd=args.work)
    shapes = {n: t.shape for n, t in read_safetensors(seed_file).items()}

    # Our own start: random, norms' scales near 1, biases and shifts small but not zero.
    init = {}
    for name, shape in sorted(shapes.items()):
        if name.endswith(".scale"):
            init[name] = 1 + 0.1 * torch.randn(shape)
        elif name.split(".")[-1] in ("bias", "shift", "bq", "bk", "bv", "bo"):
            init[name] = 0.02 * torch.randn(shape)
        else:
            init[name] = 0.2 * torch.randn(shape)
    init_file = os.path.join(args.work, "init.safetensors")
    write_safetensors(init_file, init)

    out_file = os.path.join(args.work, "trained.safetensors")
    text = run([exe, "--backend=host", "--steps", str(args.steps), "--init", init_file,
                "--export", out_file], cwd=args.work)
    lines = [m for m in map(STEP.match, text.splitlines()) if m]
    if len(lines) != args.steps:
        raise SystemExit("expected %d step lines, got:\n%s" % (args.steps, text))

    params = {n: t.clone().requires_grad_(True) for n, t in init.items()}
    P = Params(params)
    opt = spec["optimizer"](list(params.values()))
    plan = json.load(open(os.path.join(args.work, "program", "plan.json")))
    global_batch = plan["microbatches"] * plan["batch"] * plan["data_parallel"]
    failures = []
    # Parameters whose gradient is zero in exact arithmetic (the key bias: adding q . bk to a
    # query's scores shifts them all by the same amount, which softmax ignores) get gradients
    # of rounding noise in both programs, and AdamW turns noise into steps of up to lr. Those
    # are compared to within the sum of the rates instead of 1e-4.
    largest_grad = {n: 0.0 for n in params}
    lr_sum = 0.0
    for t in range(args.steps):
        lr = cosine_lr(t + 1, args.steps, spec["lr"], spec["warmup"], spec["min_lr"])
        for group in opt.param_groups:
            group["lr"] = lr
        tokens, targets = samples(data, t * global_batch, global_batch)
        opt.zero_grad()
        loss = spec["loss"](P, tokens, targets)
        loss.backward()
        for n, q in params.items():
            largest_grad[n] = max(largest_grad[n], float(q.grad.abs().max()))
        lr_sum += lr
        norm = float(torch.nn.utils.clip_grad_norm_(list(params.values()), spec["clip"]))
        opt.step()
        got = lines[t]
        prog_loss = float(got.group(2))
        fields = dict(zip(got.group(3).split()[0::2], got.group(3).split()[1::2]))
        print("step %d  loss torch %.8f program %.8f  lr %.6g / %s  norm %.6f / %s"
              % (t + 1, loss.item(), prog_loss, lr, fields.get("lr"), norm, fields.get("norm")))
        if not close(loss.item(), prog_loss, 1e-5):
            failures.append("step %d loss" % (t + 1))
        # The step line prints the rate with 5 digits.
        if "lr" not in fields or not close(lr, float(fields["lr"]), 1e-4):
            failures.append("step %d lr" % (t + 1))
        if "norm" not in fields or not close(norm, float(fields["norm"]), 1e-5):
            failures.append("step %d norm" % (t + 1))

    trained = read_safetensors(out_file)
    if sorted(trained) != sorted(params):
        failures.append("exported names differ: %s" % sorted(set(trained) ^ set(params)))
    worst = 0.0
    for name, ref in params.items():
        if name not in trained:
            continue
        ref = ref.detach()
        err = float((trained[name].reshape(ref.shape) - ref).abs().max())
        if largest_grad[name] < 1e-6:
            print("%s: gradient is rounding noise (at most %.2g); difference %.3g, bound %.3g"
                  % (name, largest_grad[name], err, lr_sum))
            if err > lr_sum:
                failures.append("%s: max difference %.3g above %.3g" % (name, err, lr_sum))
            continue
        rel = err / max(float(ref.abs().max()), 1e-12)
        worst = max(worst, rel)
        if rel > 1e-4:
            failures.append("%s: max difference %.3g (%.3g relative)" % (name, err, rel))
    print("parameters after %d steps: worst difference %.3g of the tensor's largest value"
          % (args.steps, worst))
    if failures:
        raise SystemExit("PyTorch disagrees: " + "; ".join(failures))
    print("PyTorch agrees")


if __name__ == "__main__":
    main()
