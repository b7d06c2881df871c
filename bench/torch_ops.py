#!/usr/bin/env python3
"""torch_ops.py: times PyTorch's ops at pipeops-bench's shapes and dtypes on one
CUDA GPU and writes the JSON that `pipeops-bench --torch FILE` reads.

The shapes, dtypes, inputs and op list mirror test/lib/gpu/bench.cu: GPT-2 small
(d 768) and medium (d 1024), 8 x 1024 tokens, bf16 and f32 storage, vocabulary
50257, AdamW over 124M f32 parameters in 16 tensors, and an 8192^3 bf16 GEMM.
Keys are "<dtype>/d<D>/<op>", "bf16/gemm_8192" and "adamw_step", where <op> is
the first word of the op name pipeops-bench prints (its section headers name
the prefix). Each time is the mean of --iters runs after --warmup runs, between
two CUDA events on the current stream, as pipeops-bench measures its own.

Where PyTorch has no separate op for one of pipeops' passes, the "how" field
of the entry says what was timed (e.g. attention's weight gradient: the four
weight-gradient GEMMs autograd runs). Matmuls in f32 are exact f32 (no TF32),
as the library's cuBLASLt calls use CUBLAS_COMPUTE_32F.

  python3 bench/torch_ops.py --out torch-ops.json
  build/bin/pipeops-bench --torch torch-ops.json
"""
import argparse
import json
import math
import sys

TOKENS_B, TOKENS_S, VOCAB = 8, 1024, 50257
MODELS = (768, 1024)
DTYPES = ("bf16", "f32")
MODEL_OPS = (
    "gemm", "linear_forward", "linear_backward_input", "linear_backward_weight",
    "layernorm_forward", "layernorm_backward_input", "layernorm_backward_weight",
    "gelu_forward", "gelu_backward_input", "add_forward",
    "attention_forward", "attention_backward_input", "attention_backward_weight",
    "cross_entropy_forward", "cross_entropy_backward_input",
)


def all_keys():
    """Every key pipeops-bench looks up, in the order it prints them."""
    keys = ["bf16/gemm_8192"]
    for dtype in DTYPES:
        for d in MODELS:
            keys += [f"{dtype}/d{d}/{op}" for op in MODEL_OPS]
    return keys + ["adamw_step"]


class Cases:
    """Runs every case, storing {"ms", "shape", "how"} per key in ops, or the
    error in skipped (an out-of-memory or missing kernel skips one op only)."""

    def __init__(self, torch, args, ops, skipped):
        self.torch, self.F = torch, torch.nn.functional
        self.args, self.ops, self.skipped = args, ops, skipped

    def fill(self, *shape, dtype=None, scale=0.02):
        """bench.cu's Buf: scale * sin(0.37 * (i % 10007)), made in f32 and
        then converted to the storage type."""
        torch = self.torch
        n = math.prod(shape)
        i = torch.arange(n, device="cuda", dtype=torch.int64) % 10007
        f = scale * torch.sin(0.37 * i.to(torch.float32))
        return f.to(dtype or torch.float32).view(*shape)

    def time(self, key, shape, how, fn):
        torch = self.torch
        try:
            for _ in range(self.args.warmup):
                fn()
            torch.cuda.synchronize()
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(self.args.iters):
                fn()
            end.record()
            end.synchronize()
            ms = start.elapsed_time(end) / self.args.iters
        except RuntimeError as e:  # torch.cuda.OutOfMemoryError is one
            self.skipped[key] = str(e).splitlines()[0] if str(e) else type(e).__name__
            print(f"{key:42} skipped: {self.skipped[key]}", file=sys.stderr)
            torch.cuda.synchronize()
            return
        self.ops[key] = {"ms": ms, "shape": shape, "how": how}
        print(f"{key:42} {shape:22} {ms:9.3f} ms")

    def run(self):
        torch = self.torch
        n = 8192
        a, b = (self.fill(n, n, dtype=torch.bfloat16) for _ in range(2))
        c = torch.empty(n, n, device="cuda", dtype=torch.bfloat16)
        self.time("bf16/gemm_8192", "8192x8192x8192", "torch.mm(out=)",
                  lambda: torch.mm(a, b, out=c))
        del a, b, c
        for dtype in DTYPES:
            dt = torch.bfloat16 if dtype == "bf16" else torch.float32
            for d in MODELS:
                prefix = f"{dtype}/d{d}/"
                self.linear(prefix, dt, d)
                self.elementwise(prefix, dt, d)
                self.attention(prefix, dt, d)
                self.cross_entropy(prefix, dt)
                torch.cuda.empty_cache()
        self.adamw()

    def linear(self, prefix, dt, d):
        torch, F, m = self.torch, self.F, TOKENS_B * TOKENS_S
        x, w, wt = self.fill(m, d, dtype=dt), self.fill(4 * d, d, dtype=dt), self.fill(d, 4 * d, dtype=dt)
        bias, dy = self.fill(4 * d, dtype=dt), self.fill(m, 4 * d, dtype=dt)
        c = torch.empty(m, 4 * d, device="cuda", dtype=dt)
        shape = f"{m}x{d}x{4 * d}"
        self.time(prefix + "gemm", shape, "torch.mm(out=)", lambda: torch.mm(x, wt, out=c))
        self.time(prefix + "linear_forward", shape, "F.linear with bias",
                  lambda: F.linear(x, w, bias))
        self.time(prefix + "linear_backward_input", shape, "dy @ W (autograd's mm)",
                  lambda: torch.mm(dy, w))
        self.time(prefix + "linear_backward_weight", shape,
                  "dy^T @ x and dy.sum(0) (autograd's; grads in the storage type)",
                  lambda: (torch.mm(dy.t(), x), dy.sum(0)))

    def elementwise(self, prefix, dt, d):
        torch, F, m = self.torch, self.F, TOKENS_B * TOKENS_S
        aten = torch.ops.aten
        x, dy = self.fill(m, d, dtype=dt), self.fill(m, d, dtype=dt)
        scale, shift = self.fill(d, dtype=dt), self.fill(d, dtype=dt)
        shape = f"{m}x{d}"
        _, mean, rstd = aten.native_layer_norm(x, [d], scale, shift, 1e-5)
        self.time(prefix + "layernorm_forward", shape, "aten.native_layer_norm",
                  lambda: aten.native_layer_norm(x, [d], scale, shift, 1e-5))
        self.time(prefix + "layernorm_backward_input", shape,
                  "aten.native_layer_norm_backward, input grad only",
                  lambda: aten.native_layer_norm_backward(dy, x, [d], mean, rstd, scale, shift,
                                                          [True, False, False]))
        self.time(prefix + "layernorm_backward_weight", shape,
                  "aten.native_layer_norm_backward, scale and shift grads only",
                  lambda: aten.native_layer_norm_backward(dy, x, [d], mean, rstd, scale, shift,
                                                          [False, True, True]))
        x4, dy4 = self.fill(m * 4 * d, dtype=dt), self.fill(m * 4 * d, dtype=dt)
        shape = f"{m * 4 * d}"
        self.time(prefix + "gelu_forward", shape, "F.gelu(approximate='tanh')",
                  lambda: F.gelu(x4, approximate="tanh"))
        self.time(prefix + "gelu_backward_input", shape, "aten.gelu_backward(approximate='tanh')",
                  lambda: aten.gelu_backward(dy4, x4, approximate="tanh"))
        y, z = x4[: m * d], dy4[: m * d]
        out = torch.empty_like(y)
        self.time(prefix + "add_forward", f"{m * d}", "torch.add(out=)",
                  lambda: torch.add(y, z, out=out))

    def attention(self, prefix, dt, d):
        torch, F = self.torch, self.F
        b, s, h = TOKENS_B, TOKENS_S, d // 64
        m = b * s
        x = self.fill(b, s, d, dtype=dt).requires_grad_()
        wq, wk, wv, wo = (self.fill(d, d, dtype=dt).requires_grad_() for _ in range(4))

        def forward():
            q, k, v = (F.linear(x, w).view(b, s, h, 64).transpose(1, 2) for w in (wq, wk, wv))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return F.linear(o.transpose(1, 2).reshape(b, s, d), wo)

        shape = f"B{b} S{s} H{h} causal"
        self.time(prefix + "attention_forward", shape,
                  "q,k,v,o F.linear (no bias) + F.scaled_dot_product_attention, recording autograd",
                  forward)
        dy = self.fill(b, s, d, dtype=dt)
        out = forward()
        self.time(prefix + "attention_backward_input", shape,
                  "torch.autograd.grad(out, x): SDPA backward and the input-gradient GEMMs",
                  lambda: torch.autograd.grad(out, x, dy, retain_graph=True))
        del out
        x2 = x.detach().view(m, d)
        grads = [self.fill(m, d, dtype=dt) for _ in range(4)]
        o2 = self.fill(m, d, dtype=dt)
        self.time(prefix + "attention_backward_weight", shape,
                  "the four weight-gradient GEMMs autograd runs (dq^T x, dk^T x, dv^T x, dy^T o);"
                  " PyTorch has no separate weight-gradient pass",
                  lambda: [torch.mm(g.t(), a) for g, a in zip(grads, (x2, x2, x2, o2))])

    def cross_entropy(self, prefix, dt):
        torch, F, m = self.torch, self.F, TOKENS_B * TOKENS_S
        logits = self.fill(m, VOCAB, dtype=dt).requires_grad_()
        targets = torch.zeros(m, device="cuda", dtype=torch.int64)
        shape = f"{m}x{VOCAB}"
        self.time(prefix + "cross_entropy_forward", shape, "F.cross_entropy (mean), recording autograd",
                  lambda: F.cross_entropy(logits, targets))
        loss = F.cross_entropy(logits, targets)
        self.time(prefix + "cross_entropy_backward_input", shape,
                  "torch.autograd.grad(loss, logits)",
                  lambda: torch.autograd.grad(loss, logits, retain_graph=True))

    def adamw(self):
        torch = self.torch
        n = 124_000_000 // 16
        params = [self.fill(n).requires_grad_() for _ in range(16)]
        for p in params:
            p.grad = self.fill(n, scale=0.01)
        impl = {"fused": True} if self.args.adamw == "fused" else {"foreach": True}
        opt = torch.optim.AdamW(params, **impl)
        self.time("adamw_step", "16 tensors", f"torch.optim.AdamW({self.args.adamw}=True).step()",
                  opt.step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="torch-ops.json", help="JSON file to write")
    parser.add_argument("--iters", type=int, default=20, help="timed runs per op")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    parser.add_argument("--adamw", choices=("fused", "foreach"), default="fused",
                        help="torch.optim.AdamW implementation (default: fused)")
    parser.add_argument("--list-keys", action="store_true",
                        help="print the keys this script writes and exit (no torch needed)")
    args = parser.parse_args()
    if args.list_keys:
        print("\n".join(all_keys()))
        return 0
    if args.iters < 1 or args.warmup < 0:
        parser.error("--iters must be >= 1 and --warmup >= 0")
    try:
        import torch  # noqa: F401  (imported here so --list-keys runs anywhere)
    except ImportError as e:
        print(f"torch_ops.py: error: needs PyTorch ({e})", file=sys.stderr)
        return 1
    if not torch.cuda.is_available():
        print("torch_ops.py: error: no CUDA GPU visible to PyTorch", file=sys.stderr)
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    ops, skipped = {}, {}
    Cases(torch, args, ops, skipped).run()
    missing = [k for k in all_keys() if k not in ops]
    result = {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "iters": args.iters,
        "warmup": args.warmup,
        "ops": ops,
        "skipped": skipped,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"torch_ops.py: {len(ops)} op times on {result['gpu']} "
          f"(torch {result['torch']}) written to {args.out}")
    if missing:
        print(f"torch_ops.py: error: no time for {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
