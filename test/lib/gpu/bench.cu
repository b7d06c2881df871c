// pipeops-bench: times each CUDA op at GPT-2 small (d 768) and medium (d 1024)
// shapes with 8 x 1024 tokens, printing TFLOP/s or GB/s, the ratio to a bare
// cuBLASLt GEMM of the same shape and to an 8192^3 bf16 GEMM measured in the
// same run (the peak). Prints figures, asserts nothing. With --torch FILE
// (written by bench/torch_ops.py on the same GPU) also pipeops time / PyTorch
// time per op, looked up by the key each section header names.
#include "common.cuh" // the lib's cuBLASLt wrapper, for the bare GEMMs
#include "torch_times.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace pipeops;

namespace {

void ok(cudaError_t e) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "CUDA error: %s\n", cudaGetErrorString(e));
    std::exit(1);
  }
}

__global__ void fillKernel(float *p, int64_t n, float scale) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    p[i] = scale * sinf(0.37f * float(i % 10007));
}

/// A device buffer of n floats' worth of bytes, filled with small deterministic
/// values (as f32, then converted to the storage type when `stored`).
struct Buf {
  void *p = nullptr;
  Buf(const Context &ctx, int64_t n, bool stored = true, float scale = 0.02f) {
    ok(cudaMalloc(&p, n * 4));
    fillKernel<<<1024, 256>>>(static_cast<float *>(p), n, scale);
    if (stored && ctx.dtype == DType::BF16) {
      float *f32 = nullptr;
      ok(cudaMalloc(&f32, n * 4));
      ok(cudaMemcpy(f32, p, n * 4, cudaMemcpyDeviceToDevice));
      to_storage(ctx, p, f32, n);
      ok(cudaDeviceSynchronize());
      cudaFree(f32);
    }
    ok(cudaDeviceSynchronize());
  }
  ~Buf() { cudaFree(p); }
  float *f() const { return static_cast<float *>(p); }
};

/// Average milliseconds of fn over a few runs after warm-up.
double timeMs(const std::function<void()> &fn, int iters = 10) {
  for (int i = 0; i < 2; ++i)
    fn();
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a);
  for (int i = 0; i < iters; ++i)
    fn();
  cudaEventRecord(b);
  ok(cudaEventSynchronize(b));
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / iters;
}

double peakTflops = 0;

/// PyTorch's times (--torch), the key prefix of the section being measured
/// ("bf16/d768/"), and the keys the file lacked.
const bench::TorchTimes *torchTimes = nullptr;
std::string keyPrefix;
std::vector<std::string> missingKeys;

/// Ends a report line: with --torch, " vs torch R" (pipeops ms / torch ms)
/// for the key prefix + the op's first word, or "n/a" when the file lacks it.
void endLine(const char *op, double ms) {
  if (torchTimes) {
    std::string name(op);
    std::string key = keyPrefix + name.substr(0, name.find(' '));
    auto it = torchTimes->ms.find(key);
    if (it != torchTimes->ms.end()) {
      std::printf("  vs torch %5.2f", ms / it->second);
    } else {
      std::printf("  vs torch   n/a");
      missingKeys.push_back(key);
    }
  }
  std::printf("\n");
}

void gemmOnly(const Context &ctx, int64_t M, int64_t N, int64_t K,
              const void *A, const void *B, void *C) {
  cuda::Gemm g;
  g.M = M, g.N = N, g.K = K, g.A = A, g.lda = K, g.B = B, g.ldb = N, g.C = C,
  g.ldc = N;
  g.abType = g.cType = cuda::storageType(ctx);
  cuda::gemm(ctx, g, "bench");
}

/// Bare GEMM time for [M,K] x [K,N] in ctx's storage type.
double bareGemmMs(const Context &ctx, int64_t M, int64_t N, int64_t K) {
  Buf a(ctx, M * K), b(ctx, K * N), c(ctx, M * N);
  return timeMs([&] { gemmOnly(ctx, M, N, K, a.p, b.p, c.p); });
}

void reportFlops(const char *op, const char *shape, double ms, double flops,
                 double gemmMs) {
  double tf = flops / ms / 1e9;
  std::printf(
      "%-28s %-22s %9.3f ms %8.1f TFLOP/s  vs GEMM %5.2f  vs peak %5.2f", op,
      shape, ms, tf, gemmMs > 0 ? gemmMs / ms : 0.0, tf / peakTflops);
  endLine(op, ms);
}
void reportBytes(const char *op, const char *shape, double ms, double bytes) {
  std::printf("%-28s %-22s %9.3f ms %8.1f GB/s", op, shape, ms,
              bytes / ms / 1e6);
  endLine(op, ms);
}

void benchModel(const Context &ctx, int64_t D, const char *name) {
  const int64_t B = 8, S = 1024, M = B * S, H = D / 64, V = 50257;
  double eb = static_cast<double>(storage_bytes(ctx));
  char shape[64];
  const char *dtype = ctx.dtype == DType::BF16 ? "bf16" : "f32";
  keyPrefix = std::string(dtype) + "/d" + std::to_string(D) + "/";
  std::printf("\n== %s (d %lld, %lld tokens, %s storage; torch keys %s<op>)\n",
              name, (long long)D, (long long)M, dtype, keyPrefix.c_str());
  Buf x(ctx, M * 4 * D), y(ctx, M * 4 * D), w(ctx, D * 4 * D), bias(ctx, 4 * D);
  Buf dw(ctx, D * 4 * D, false), dbias(ctx, 4 * D, false), dx(ctx, M * 4 * D);
  std::snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)M,
                (long long)D, (long long)(4 * D));
  double g = bareGemmMs(ctx, M, 4 * D, D), fl = 2.0 * M * D * 4 * D;
  reportFlops("gemm (bare cuBLASLt)", shape, g, fl, g);
  reportFlops("linear_forward (+bias)", shape, timeMs([&] {
                linear_forward(ctx, y.p, x.p, w.p, bias.p, M, D, 4 * D);
              }),
              fl, g);
  reportFlops("linear_backward_input", shape, timeMs([&] {
                linear_backward_input(ctx, dx.p, y.p, w.p, M, D, 4 * D);
              }),
              fl, bareGemmMs(ctx, M, D, 4 * D));
  reportFlops("linear_backward_weight", shape, timeMs([&] {
                linear_backward_weight(ctx, dw.f(), dbias.f(), y.p, x.p, M, D,
                                       4 * D);
              }),
              fl, bareGemmMs(ctx, D, 4 * D, M));

  std::snprintf(shape, sizeof shape, "%lldx%lld", (long long)M, (long long)D);
  Buf scale(ctx, D), shift(ctx, D), saved(ctx, 2 * M, false), ds(ctx, D, false),
      dsh(ctx, D, false);
  reportBytes("layernorm_forward", shape, timeMs([&] {
                layernorm_forward(ctx, y.p, saved.f(), x.p, scale.p, shift.p, M,
                                  D, 1e-5f);
              }),
              2 * eb * M * D);
  reportBytes("layernorm_backward_input", shape, timeMs([&] {
                layernorm_backward_input(ctx, dx.p, y.p, x.p, saved.f(),
                                         scale.p, M, D);
              }),
              4 * eb * M * D);
  reportBytes("layernorm_backward_weight", shape, timeMs([&] {
                layernorm_backward_weight(ctx, ds.f(), dsh.f(), y.p, x.p,
                                          saved.f(), M, D);
              }),
              2 * eb * M * D);
  std::snprintf(shape, sizeof shape, "%lld", (long long)(M * 4 * D));
  reportBytes("gelu_forward", shape,
              timeMs([&] { gelu_forward(ctx, y.p, x.p, M * 4 * D); }),
              2 * eb * M * 4 * D);
  reportBytes("gelu_backward_input", shape, timeMs([&] {
                gelu_backward_input(ctx, dx.p, y.p, x.p, M * 4 * D);
              }),
              4 * eb * M * 4 * D);
  reportBytes("add_forward", shape,
              timeMs([&] { add_forward(ctx, y.p, x.p, dx.p, M * D); }),
              3 * eb * M * D);

  {
    int64_t satt = attention_saved_floats(B, S, D, H, H);
    Buf att(ctx, satt, false),
        wsv(ctx, attention_wsaved_floats(B, S, D, H, H), false);
    Buf wq(ctx, D * D), wk(ctx, D * D), wv(ctx, D * D), wo(ctx, D * D);
    Buf gq(ctx, D * D, false), gk(ctx, D * D, false), gv(ctx, D * D, false),
        go(ctx, D * D, false);
    std::snprintf(shape, sizeof shape, "B8 S1024 H%lld causal", (long long)H);
    double proj = 2.0 * M * D * D * 4, core = 4.0 * B * H * S * S * (D / H);
    double gq4 = bareGemmMs(ctx, M, D, D);
    reportFlops("attention_forward", shape,
                timeMs(
                    [&] {
                      attention_forward(ctx, y.p, att.f(), x.p, wq.p, wk.p,
                                        wv.p, wo.p, nullptr, nullptr, nullptr,
                                        nullptr, B, S, D, H, H, true, false);
                    },
                    3),
                proj + core, 4 * gq4);
    reportFlops("attention_backward_input", shape,
                timeMs(
                    [&] {
                      attention_backward_input(ctx, dx.p, wsv.f(), y.p, x.p,
                                               att.f(), wq.p, wk.p, wv.p, wo.p,
                                               B, S, D, H, H, true, false);
                    },
                    3),
                proj + 2 * core, 4 * gq4);
    reportFlops("attention_backward_weight", shape,
                timeMs(
                    [&] {
                      attention_backward_weight(
                          ctx, gq.f(), gk.f(), gv.f(), go.f(), nullptr, nullptr,
                          nullptr, nullptr, y.p, x.p, att.f(), wsv.f(), B, S, D,
                          H, H, true, false);
                    },
                    3),
                proj, 4 * bareGemmMs(ctx, D, D, M));
  }
  {
    Buf logits(ctx, M * V), dlogits(ctx, M * V), lse(ctx, M, false),
        loss(ctx, 1, false);
    int32_t *targets;
    ok(cudaMalloc(&targets, M * 4));
    ok(cudaMemset(targets, 0, M * 4));
    std::snprintf(shape, sizeof shape, "%lldx%lld", (long long)M, (long long)V);
    reportBytes("cross_entropy_forward", shape,
                timeMs(
                    [&] {
                      cross_entropy_forward(ctx, loss.f(), lse.f(), logits.p,
                                            targets, M, V);
                    },
                    3),
                eb * M * V);
    reportBytes("cross_entropy_backward_input", shape,
                timeMs(
                    [&] {
                      cross_entropy_backward_input(ctx, dlogits.p, 1.0f,
                                                   logits.p, targets, lse.f(),
                                                   M, V);
                    },
                    3),
                3 * eb * M * V);
    cudaFree(targets);
  }
}

void benchOptimizer(const Context &ctx) {
  const int64_t n =
      124'000'000 / 16; // GPT-2 small's parameter count over 16 tensors
  std::vector<std::unique_ptr<Buf>> bufs;
  std::vector<float *> p, m, v;
  std::vector<const float *> g;
  std::vector<int64_t> sizes(16, n);
  for (int t = 0; t < 16; ++t) {
    for (int k = 0; k < 4; ++k)
      bufs.push_back(std::make_unique<Buf>(ctx, n, false));
    p.push_back(bufs[4 * t]->f()), g.push_back(bufs[4 * t + 1]->f());
    m.push_back(bufs[4 * t + 2]->f()), v.push_back(bufs[4 * t + 3]->f());
  }
  AdamW opt;
  keyPrefix.clear();
  reportBytes("adamw_step (124M params)", "16 tensors", timeMs([&] {
                adamw_step(ctx, opt, 1, p.data(), g.data(), m.data(), v.data(),
                           sizes.data(), 16);
              }),
              7.0 * 4 * n * 16);
}

} // namespace

int main(int argc, char **argv) {
  bench::TorchTimes torch;
  std::string torchPath;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--torch" && i + 1 == argc) {
      std::fprintf(stderr, "pipeops-bench: error: --torch needs a FILE\n");
      return 1;
    }
    if (arg == "--torch")
      torchPath = argv[++i];
    else if (arg.rfind("--torch=", 0) == 0)
      torchPath = arg.substr(8);
    else {
      std::fprintf(stderr,
                   "pipeops-bench: error: unexpected argument '%s' (usage: "
                   "pipeops-bench [--torch FILE])\n",
                   arg.c_str());
      return 1;
    }
  }
  if (!torchPath.empty()) {
    std::string error;
    if (!bench::readTorchTimes(torchPath, torch, error)) {
      std::fprintf(stderr, "pipeops-bench: error: %s\n", error.c_str());
      return 1;
    }
    torchTimes = &torch;
  }
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    std::fprintf(stderr, "pipeops-bench: no GPU\n");
    return 1;
  }
  cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  Context ctx;
  ctx.backend = Backend::Cuda;
  ctx.dtype = DType::BF16;
  ctx.workspaceBytes = 64 << 20;
  ok(cudaMalloc(&ctx.workspace, ctx.workspaceBytes));
  std::printf("pipeops-bench on %s\n", prop.name);
  if (torchTimes) {
    std::printf("vs torch: pipeops ms / PyTorch ms (below 1: faster than "
                "PyTorch), PyTorch %s on %s, from %s\n",
                torch.torch.c_str(), torch.gpu.c_str(), torchPath.c_str());
    if (torch.gpu != prop.name)
      std::printf("warning: the PyTorch times are from '%s', not this GPU "
                  "'%s'\n",
                  torch.gpu.c_str(), prop.name);
  }
  double peakMs = bareGemmMs(ctx, 8192, 8192, 8192);
  peakTflops = 2.0 * 8192.0 * 8192.0 * 8192.0 / peakMs / 1e9;
  std::printf("peak: 8192^3 bf16 cuBLASLt GEMM %.3f ms = %.1f TFLOP/s", peakMs,
              peakTflops);
  keyPrefix = "bf16/";
  endLine("gemm_8192", peakMs);
  for (DType dt : {DType::BF16, DType::F32}) {
    ctx.dtype = dt;
    benchModel(ctx, 768, "GPT-2 small");
    benchModel(ctx, 1024, "GPT-2 medium");
  }
  benchOptimizer(ctx);
  cudaFree(ctx.workspace);
  if (!missingKeys.empty()) {
    std::fprintf(stderr, "pipeops-bench: %zu op(s) had no PyTorch time in %s:",
                 missingKeys.size(), torchPath.c_str());
    for (const std::string &key : missingKeys)
      std::fprintf(stderr, " %s", key.c_str());
    std::fprintf(stderr, "\n");
  }
  return 0;
}
