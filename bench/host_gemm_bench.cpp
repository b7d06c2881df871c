// pipeops-host-bench: the host GEMM entry points (linear forward, input and
// weight gradients) against OpenBLAS's cblas_sgemm called directly on the same
// problem, with 1 thread and with all cores, on the benchmark models' shapes.
// Prints GFLOP/s and the ratio; asserts nothing.
#include "pipeops/ops.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

extern "C" void cblas_sgemm(int order, int transA, int transB, int M, int N,
                            int K, float alpha, const float *A, int lda,
                            const float *B, int ldb, float beta, float *C,
                            int ldc);
extern "C" void openblas_set_num_threads(int);

namespace {

/// Best-of-5 GFLOP/s of fn, each sample running fn for >= 50 ms.
double gflops(double flops, const std::function<void()> &fn) {
  using clock = std::chrono::steady_clock;
  double best = 0;
  for (int sample = 0; sample < 5; ++sample) {
    int iters = 0;
    auto t0 = clock::now();
    double s;
    do {
      fn();
      ++iters;
      s = std::chrono::duration<double>(clock::now() - t0).count();
    } while (s < 0.05);
    best = std::max(best, flops * iters / s / 1e9);
  }
  return best;
}

struct Problem {
  const char *model;
  int M, K, N; // linear: [M,K] @ [K,N]
};

} // namespace

int main() {
  int cores =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const char *env = std::getenv("PIPEOPS_HOST_THREADS"))
    cores = std::max(1, std::atoi(env));
  const Problem problems[] = {
      {"tiny-gpt qkvo", 256, 64, 64},    {"tiny-gpt fc", 256, 64, 256},
      {"tiny-gpt proj", 256, 256, 64},   {"tiny-gpt head", 256, 64, 256},
      {"gpt-256 qkvo", 1024, 256, 256},  {"gpt-256 fc", 1024, 256, 1024},
      {"gpt-256 proj", 1024, 1024, 256}, {"gpt-256 head", 1024, 256, 512},
  };
  std::printf("pipeops host GEMMs vs cblas_sgemm (OpenBLAS) called directly, "
              "GFLOP/s (best of 5); %d cores\n",
              cores);
  std::printf("%-14s %5s %5s %5s  %-8s %7s %7s %6s  %7s %7s %6s\n", "shape",
              "M", "K", "N", "pass", "ours/1", "blas/1", "ratio", "ours/n",
              "blas/n", "ratio");
  double sumRatio1 = 0, sumRatioN = 0;
  int count = 0;
  for (const Problem &p : problems) {
    std::vector<float> in(size_t(p.M) * p.K, 0.5f), w(size_t(p.K) * p.N, 0.25f),
        bias(p.N, 0.1f), out(size_t(p.M) * p.N), dout(size_t(p.M) * p.N, 0.3f),
        din(size_t(p.M) * p.K), dw(size_t(p.K) * p.N);
    double flops = 2.0 * p.M * p.K * p.N;
    for (int pass = 0; pass < 3; ++pass) {
      const char *name = pass == 0   ? "forward"
                         : pass == 1 ? "dinput"
                                     : "dweight";
      auto ours = [&](int threads) {
        pipeops::Context ctx;
        ctx.threads = threads;
        return gflops(flops, [&] {
          if (pass == 0)
            pipeops::linear_forward(ctx, out.data(), in.data(), w.data(),
                                    bias.data(), p.M, p.K, p.N);
          else if (pass == 1)
            pipeops::linear_backward_input(ctx, din.data(), dout.data(),
                                           w.data(), p.M, p.K, p.N);
          else
            pipeops::linear_backward_weight(
                ctx, dw.data(), nullptr, dout.data(), in.data(), p.M, p.K, p.N);
        });
      };
      auto blas = [&](int threads) {
        openblas_set_num_threads(threads);
        double r = gflops(flops, [&] {
          if (pass == 0) // with the bias as C's initial value, as ours does
          {
            for (int i = 0; i < p.M; ++i)
              std::copy(bias.begin(), bias.end(),
                        out.begin() + size_t(i) * p.N);
            cblas_sgemm(101, 111, 111, p.M, p.N, p.K, 1.0f, in.data(), p.K,
                        w.data(), p.N, 1.0f, out.data(), p.N);
          } else if (pass == 1)
            cblas_sgemm(101, 111, 112, p.M, p.K, p.N, 1.0f, dout.data(), p.N,
                        w.data(), p.N, 1.0f, din.data(), p.K);
          else
            cblas_sgemm(101, 112, 111, p.K, p.N, p.M, 1.0f, in.data(), p.K,
                        dout.data(), p.N, 1.0f, dw.data(), p.N);
        });
        openblas_set_num_threads(1); // the pool's setting, for `ours`
        return r;
      };
      double o1 = ours(1), b1 = blas(1), on = ours(0), bn = blas(cores);
      sumRatio1 += o1 / b1;
      sumRatioN += on / bn;
      ++count;
      std::printf(
          "%-14s %5d %5d %5d  %-8s %7.1f %7.1f %5.2fx  %7.1f %7.1f %5.2fx\n",
          p.model, p.M, p.K, p.N, name, o1, b1, o1 / b1, on, bn, on / bn);
    }
  }
  std::printf("mean ratio ours/blas: 1 thread %.2fx, %d threads %.2fx\n",
              sumRatio1 / count, cores, sumRatioN / count);
  return 0;
}
