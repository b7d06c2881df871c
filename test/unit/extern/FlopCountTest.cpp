// Unit tests of the extern op front end: flop counts against hand counts, and
// the checks' diagnostics (file, line, column) on small in-memory files.
// gtest-port.h includes <unistd.h>, whose `int pipe(int[2])` clashes with
// our `namespace pipe`: rename it while GoogleTest's headers are read.
#define pipe posix_pipe_unused
#include <gtest/gtest.h>
#undef pipe

#include "pipe/Extern/ExternCheck.h"

using pipe::ext::analyzeExternCode;
using pipe::ext::ExternAnalysis;
using pipe::ext::kTranscendentalFlops;

namespace {

// tanh-approximated GELU. Hand count (T = a transcendental):
//   u = 0.797 * (x + 0.0447 * x * x * x): * (1), + (1), three * (3)    = 5
//   0.5f * x * (1.0f + tanhf(u)):         * (1), * (1), + (1), T      = 3 + T
//   gelu_forward = 8 + T; gelu_backward (*dx = dy): an assignment      = 0
constexpr const char *kGelu = R"(
#include <math.h>
__host__ __device__ float gelu_forward(float x) {
  float u = 0.7978845608f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + tanhf(u));
}
__host__ __device__ void gelu_backward(float x, float dy, float *dx) {
  *dx = dy;
}
)";

TEST(ExternFlopCount, GeluByHand) {
  ExternAnalysis a = analyzeExternCode(kGelu, "/virtual/gelu.cu", "gelu", 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.forwardFlops, 8 + kTranscendentalFlops);
  EXPECT_EQ(a.backwardFlops, 0);
}

// Helpers, loops, compound assignment, fmaf, integer arithmetic. Hand count:
//   sq(v) = v * v                                                     = 1
//   poly_forward: sq(a) (1), * a (1)                                  = 2
//   poly_backward:
//     loop header k < 3, k = k + 1: integer                            = 0
//     g += sq(a): += (1), sq (1); a loop body counts once              = 2
//     g = fmaf(g, dy, -a): fmaf (2), unary minus (1)                   = 3
//     a > 0.0f ? g : sqrtf(g) / 2.0f: > (1), sqrtf (T), / (1)          = 2 + T
//   poly_backward = 7 + T
constexpr const char *kPoly = R"(
#include <math.h>
__host__ __device__ float sq(float v) { return v * v; }
__host__ __device__ float poly_forward(float a) { return sq(a) * a; }
__host__ __device__ void poly_backward(float a, float dy, float *da) {
  float g = 0.0f;
  for (int k = 0; k < 3; k = k + 1)
    g += sq(a);
  g = fmaf(g, dy, -a);
  *da = a > 0.0f ? g : sqrtf(g) / 2.0f;
}
)";

TEST(ExternFlopCount, PolyByHand) {
  ExternAnalysis a = analyzeExternCode(kPoly, "/virtual/poly.cu", "poly", 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.forwardFlops, 2);
  EXPECT_EQ(a.backwardFlops, 7 + kTranscendentalFlops);
}

TEST(ExternCheck, MissingBackwardAtTopOfFile) {
  ExternAnalysis a = analyzeExternCode(
      "__host__ __device__ float f_forward(float a) { return a; }\n",
      "/virtual/f.cu", "f", 1);
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].file, "/virtual/f.cu");
  EXPECT_EQ(a.diagnostics[0].line, 1u);
  EXPECT_NE(a.diagnostics[0].message.find("'f_backward'"), std::string::npos);
}

TEST(ExternCheck, ClangErrorLocated) {
  ExternAnalysis a = analyzeExternCode(
      "__host__ __device__ float f_forward(float a) {\n  return a +;\n}\n",
      "/virtual/g.cu", "f", 1);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.diagnostics[0].line, 2u);
  EXPECT_EQ(a.diagnostics[0].column, 13u);
}

TEST(ExternCheck, HostOnlyBackwardRejected) {
  ExternAnalysis a = analyzeExternCode(
      "__host__ __device__ float f_forward(float a) { return a; }\n"
      "void f_backward(float a, float dy, float *da) { *da = dy; }\n",
      "/virtual/h.cu", "f", 1);
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].line, 2u);
  EXPECT_NE(a.diagnostics[0].message.find("missing __host__ __device__"),
            std::string::npos);
}

} // namespace
