#!/usr/bin/env python3
"""torch_gpt2.py: PyTorch eager training throughput of examples/gpt2.pipe's model
on one CUDA GPU (or, with --device cpu, on the CPU), for comparison with the
pipec-generated program on the same machine.

The model is the one gpt2.pipe declares (language.md's op semantics): learned
token and positional embeddings, pre-norm blocks of causal multi-head attention
(q, k, v, o projections without bias, softmax scale 1/sqrt(D/H)) and a GELU
(tanh) MLP of 4 x D with biases, layernorm (eps 1e-5, scale and shift), a final
layernorm and an LM head without bias, not tied to the embedding; mean token
cross-entropy. q, k and v are one bias-free D x 3D linear (the same maths as
three, as nanoGPT does) and attention is F.scaled_dot_product_attention.
Parameters are f32 and the forward/backward runs under bf16 autocast; AdamW
(fused) with gpt2.pipe's hyper-parameters. On the CPU everything is f32 and
AdamW is the default (foreach) one, with --threads intra-op threads; PyTorch
before 2.0 has no F.scaled_dot_product_attention, so attention is then the
explicit masked softmax(q k^T / sqrt(hd)) v. The global batch is gpt2.pipe's
microbatches x batch sequences of seq tokens per step, run as gradient
accumulation over micro-batches of `batch` sequences, on synthetic tokens and
targets drawn uniformly below the vocabulary. Sizes, batch and optimizer
settings are read from the .pipe file (--pipe) so the two stay in step.

Prints per-step losses and, last, one line: `torch gpt2 tokens/s X`, the tokens
of --steps timed steps (after --warmup untimed ones) over their wall time.
"""
import argparse
import math
import re
import sys
import time


def read_pipe(path):
    """The constants, pipeline keys and AdamW arguments of a .pipe file."""
    with open(path) as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    consts = {k: int(v) for k, v in re.findall(r"\bconst\s+(\w+)\s*=\s*(\d+)", text)}
    block = re.search(r"\bpipeline\s*\{([^}]*)\}", text)
    pipeline = dict(re.findall(r"\b(\w+)\s*=\s*([\w.-]+)", block.group(1))) if block else {}
    adamw = {}
    opt = re.search(r"\badamw\s*\(([^)]*)\)", text)
    if opt:
        for key, value in re.findall(r"(\w+)\s*:\s*([-+0-9.eE]+)", opt.group(1)):
            adamw[key] = float(value)
    need = ["vocab", "seq", "dim", "heads", "layers"]
    missing = [k for k in need if k not in consts] + [
        k for k in ("microbatches", "batch") if k not in pipeline]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} (expected gpt2.pipe's layout)")
    return consts, {k: int(pipeline[k]) for k in ("microbatches", "batch")}, adamw


def build_model(torch, vocab, seq, dim, heads, layers):
    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(dim, eps=1e-5), nn.LayerNorm(dim, eps=1e-5)
            self.qkv = nn.Linear(dim, 3 * dim, bias=False)
            self.o = nn.Linear(dim, dim, bias=False)
            self.fc, self.proj = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
            mask = torch.triu(torch.ones(seq, seq, dtype=torch.bool), diagonal=1)
            self.register_buffer("mask", mask, persistent=False)

        def forward(self, x):
            b, s, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q, k, v = (t.view(b, s, heads, d // heads).transpose(1, 2) for t in (q, k, v))
            if hasattr(F, "scaled_dot_product_attention"):
                a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // heads))
                att = att.masked_fill(self.mask[:s, :s], float("-inf"))
                a = F.softmax(att, dim=-1) @ v
            x = x + self.o(a.transpose(1, 2).reshape(b, s, d))
            return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, dim), nn.Embedding(seq, dim)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.ln_f = nn.LayerNorm(dim, eps=1e-5)
            self.head = nn.Linear(dim, vocab, bias=False)
            for name, p in self.named_parameters():
                if p.dim() == 2:
                    nn.init.normal_(p, std=0.02)
                elif name.endswith("bias"):
                    nn.init.zeros_(p)

        def forward(self, tokens, targets):
            x = self.tok(tokens) + self.pos.weight[: tokens.shape[1]]
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.shape[-1]).float(), targets.view(-1))

    return GPT()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipe", default="examples/gpt2.pipe", help="model and batch source")
    parser.add_argument("--steps", type=int, default=20, help="timed optimizer steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--microbatches", type=int, help="override the .pipe's microbatches")
    parser.add_argument("--batch", type=int, help="override the .pipe's batch")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--threads", type=int, help="CPU intra-op threads (--device cpu)")
    args = parser.parse_args()
    try:
        consts, pipeline, adamw = read_pipe(args.pipe)
    except (OSError, ValueError) as e:
        print(f"torch_gpt2.py: error: {e}", file=sys.stderr)
        return 1
    mbs = args.microbatches or pipeline["microbatches"]
    batch = args.batch or pipeline["batch"]
    if args.steps < 1 or args.warmup < 0 or mbs < 1 or batch < 1:
        parser.error("--steps, --microbatches and --batch must be >= 1, --warmup >= 0")
    try:
        import torch
    except ImportError as e:
        print(f"torch_gpt2.py: error: needs PyTorch ({e})", file=sys.stderr)
        return 1
    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        print("torch_gpt2.py: error: no CUDA GPU visible to PyTorch", file=sys.stderr)
        return 1
    if args.threads:
        torch.set_num_threads(args.threads)
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    vocab, seq = consts["vocab"], consts["seq"]
    torch.manual_seed(args.seed)
    model = build_model(torch, vocab, seq, consts["dim"], consts["heads"], consts["layers"])
    model = model.to(args.device)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(
        model.parameters(), lr=adamw.get("lr", 1e-3),
        betas=(adamw.get("beta1", 0.9), adamw.get("beta2", 0.999)),
        eps=adamw.get("eps", 1e-8), weight_decay=adamw.get("weight_decay", 0.0),
        **({"fused": True} if cuda else {}))
    total = args.warmup + args.steps
    gen = torch.Generator(device=args.device).manual_seed(args.seed)
    tokens = torch.randint(vocab, (total, mbs, batch, seq), device=args.device, generator=gen)
    targets = torch.randint(vocab, (total, mbs, batch, seq), device=args.device, generator=gen)
    where = torch.cuda.get_device_name(0) if cuda else f"cpu ({torch.get_num_threads()} threads)"
    print(f"torch gpt2 on {where}, torch {torch.__version__}: "
          f"{params / 1e6:.1f}M parameters, global batch {mbs} x {batch} x {seq} tokens, "
          f"{'bf16 autocast' if cuda else 'f32'}, {args.warmup} warm-up + {args.steps} timed steps")

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss_sum = torch.zeros((), device=args.device)
        for m in range(mbs):
            if cuda:
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = model(tokens[i, m], targets[i, m])
            else:
                loss = model(tokens[i, m], targets[i, m])
            (loss / mbs).backward()
            loss_sum += loss.detach()
        opt.step()
        return loss_sum / mbs

    losses = [step(i) for i in range(args.warmup)]
    sync()
    start = time.perf_counter()
    losses += [step(i) for i in range(args.warmup, total)]
    sync()
    seconds = time.perf_counter() - start
    for i, loss in enumerate(losses):
        print(f"torch step {i + 1} loss {loss.item():.7g}" + (" (warm-up)" if i < args.warmup else ""))
    if not all(math.isfinite(loss.item()) for loss in losses):
        print("torch_gpt2.py: error: a loss is not finite", file=sys.stderr)
        return 1
    peak = f"peak memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB, " if cuda else ""
    print(f"torch gpt2 {peak}{seconds / args.steps * 1e3:.1f} ms per step")
    print(f"torch gpt2 tokens/s {args.steps * mbs * batch * seq / seconds:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
