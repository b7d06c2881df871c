//===- PipeMathOpsCost.cpp - FLOPs, bytes, parameters and saved buffers --===//
//
// The ModelOpInterface facts the cost model and the buffer plan read, per
// built-in op. Notation: e = bytes of a stored float (2 for bf16, 4 for
// f32), M = rows (all leading dims flattened), n = elements. The op library
// accumulates (+=) into input gradients and f32 parameter gradients, so
// those are read and written (a read-modify-write: 2e per element for din, 8
// for f32 dW). Flop counts treat exp, tanh, division and sqrt as one flop
// each; the non-matmul ops are bandwidth-bound on every profile, so this
// matters little. Saved-buffer sizes are the op library's X_saved_floats
// (lib/include/pipeops/ops.h).
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"

using namespace mlir;
using namespace pipe;
using plan::Kernel;
using plan::OpCost;
using plan::TensorDesc;

static Kernel matmul(double flops, double bytes) {
  return {flops, bytes, true};
}
static Kernel vec(double flops, double bytes) { return {flops, bytes, false}; }

static TensorDesc bound(Value v, int64_t batch) {
  return boundTensor(v.getType(), batch);
}

/// Rows of `v` (all leading dims flattened), batch bound.
static int64_t rows(Value v, int64_t batch) { return bound(v, batch).rows(); }

static int64_t lastDim(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape().back();
}

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

void EmbeddingOp::getParams(SmallVectorImpl<ParamSpec> &params) {
  int64_t v = getVocab(), d = getDim(), s = lastDim(getIds());
  params.push_back({"wte", v * d, ParamInit::Normal, {v, d}});
  if (getPositional())
    params.push_back({"wpe", s * d, ParamInit::Normal, {s, d}});
}

/// embedding ids [M] (last dim S) -> [M, D]:
///  F: a gather: read ids (4M), the rows (eMD), write out (eMD); positional
///     adds wpe rows: MD flops, eMD bytes.
///  B: nothing (ids are integers).
///  W: dwte[ids[i]] += dout[i]: MD flops, ids 4M, dout eMD, f32 rows RMW 8MD;
///     positional doubles the flops and the f32 traffic.
FailureOr<OpCost> EmbeddingOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes;
  TensorDesc ids = bound(getIds(), batch);
  double M = ids.elements(), D = getDim(), S = ids.lastDim();
  double pos = getPositional() ? 1 : 0;
  c.fwd.kernels = {vec(pos * M * D, 4 * M + e * M * D * (2 + pos))};
  c.wgrad.kernels = {
      vec(M * D * (1 + pos), 4 * M + e * M * D + 8 * M * D * (1 + pos))};
  c.params = int64_t(getVocab() * getDim() + (getPositional() ? S * D : 0));
  c.savedOperands = {0};
  return c;
}

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

void LinearOp::getParams(SmallVectorImpl<ParamSpec> &params) {
  if (getTied()) // the embedding holds the table
    return;
  int64_t k = lastDim(getInput()), n = getOutFeatures();
  params.push_back({"weight", k * n, ParamInit::Normal, {k, n}});
  if (getBias())
    params.push_back({"bias", n, ParamInit::Zeros, {n}});
}

/// The tied table: the embedding's first parameter.
std::string LinearOp::getTiedParam() {
  EmbeddingOp table = getTiedEmbedding();
  if (!table)
    return "";
  SmallVector<ParamSpec> specs;
  table.getParams(specs);
  return (table.getParam() + "." + specs.front().suffix).str();
}

/// linear [M,K] -> [M,N]:
///  F: out = in @ w: 2MKN flops (a multiply-add per (m,k,n)), bytes read in
///     (MK), w (KN), write out (MN), all e; bias (fused epilogue) adds MN
///     flops and reads N.
///  B: din += dout @ w^T: 2MKN, bytes dout MN, w KN, din read+write 2MK.
///  W: dw += in^T @ dout: 2MKN, bytes in MK, dout MN (e), dw 8KN (f32 RMW);
///     dbias += column sums of dout: a second kernel, MN flops, eMN + 8N.
/// Tied to an embedding's N x K table E (no bias), the same three GEMMs
/// transposed: out = in @ E^T, din += dout @ E, dE += dout^T @ in, with the
/// same flops and bytes; its K x N elements count as tiedParams, not params.
FailureOr<OpCost> LinearOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes;
  TensorDesc in = bound(getInput(), batch);
  double M = in.rows(), K = in.lastDim(), N = getOutFeatures();
  double fb = getBias() ? M * N : 0, bb = getBias() ? e * N : 0;
  c.fwd.kernels = {
      matmul(2 * M * K * N + fb, e * (M * K + K * N + M * N) + bb)};
  c.dgrad.kernels = {matmul(2 * M * K * N, e * (M * N + K * N + 2 * M * K))};
  c.wgrad.kernels = {matmul(2 * M * K * N, e * (M * K + M * N) + 8 * K * N)};
  if (getBias())
    c.wgrad.kernels.push_back(vec(M * N, e * M * N + 8 * N));
  c.params = getTied() ? 0 : int64_t(K * N + (getBias() ? N : 0));
  c.tiedParams = getTied() ? int64_t(K * N) : 0;
  c.savedOperands = {0};
  return c;
}

//===----------------------------------------------------------------------===//
// layernorm, rmsnorm
//===----------------------------------------------------------------------===//

void LayerNormOp::getParams(SmallVectorImpl<ParamSpec> &params) {
  int64_t d = lastDim(getInput());
  params.push_back({"scale", d, ParamInit::Ones, {d}});
  params.push_back({"shift", d, ParamInit::Zeros, {d}});
}

/// Mean and rstd per row.
int64_t LayerNormOp::getSavedFloats(int64_t batch) {
  return 2 * rows(getInput(), batch);
}

/// layernorm over D, M rows:
///  F: mean (1 add/elem), variance (sub, mul, add: 3), normalise (sub, mul:
///     2), affine (mul, add: 2) = 8MD; bytes in + out (2eMD), scale and shift
///     (2eD), mean and rstd written f32 (8M).
///  B: x^ recomputed (2), g = dout*scale (1), sums of g and g*x^ (1 + 2),
///     din += rstd*(g - m1 - x^*m2) (3 + 1 accumulate) = 10MD; bytes dout,
///     in (2eMD), din RMW (2eMD), scale (eD), stats (8M).
///  W: x^ (2), dscale += dout*x^ (2), dshift += dout (1) = 5MD; bytes dout,
///     in (2eMD), stats (8M), f32 dscale and dshift RMW (16D).
FailureOr<OpCost> LayerNormOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes;
  TensorDesc in = bound(getInput(), batch);
  double M = in.rows(), D = in.lastDim();
  c.fwd.kernels = {vec(8 * M * D, 2 * e * M * D + 2 * e * D + 8 * M)};
  c.dgrad.kernels = {vec(10 * M * D, 4 * e * M * D + e * D + 8 * M)};
  c.wgrad.kernels = {vec(5 * M * D, 2 * e * M * D + 8 * M + 16 * D)};
  c.params = int64_t(2 * D);
  c.savedOperands = {0};
  c.savedF32 = getSavedFloats(batch);
  return c;
}

void RMSNormOp::getParams(SmallVectorImpl<ParamSpec> &params) {
  int64_t d = lastDim(getInput());
  params.push_back({"scale", d, ParamInit::Ones, {d}});
}

/// rstd per row.
int64_t RMSNormOp::getSavedFloats(int64_t batch) {
  return rows(getInput(), batch);
}

/// rmsnorm over D, M rows:
///  F: sum of squares (2), normalise (1), scale (1) = 4MD; bytes 2eMD + eD +
///     rstd (4M).
///  B: x^ (1), g = dout*scale (1), sum g*x^ (2), din += rstd*(g - x^*m)
///     (2 + 1) = 7MD; bytes 4eMD + eD + 4M.
///  W: x^ (1), dscale += dout*x^ (2) = 3MD; bytes 2eMD + 4M + 8D.
FailureOr<OpCost> RMSNormOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes;
  TensorDesc in = bound(getInput(), batch);
  double M = in.rows(), D = in.lastDim();
  c.fwd.kernels = {vec(4 * M * D, 2 * e * M * D + e * D + 4 * M)};
  c.dgrad.kernels = {vec(7 * M * D, 4 * e * M * D + e * D + 4 * M)};
  c.wgrad.kernels = {vec(3 * M * D, 2 * e * M * D + 4 * M + 8 * D)};
  c.params = int64_t(D);
  c.savedOperands = {0};
  c.savedF32 = getSavedFloats(batch);
  return c;
}

//===----------------------------------------------------------------------===//
// activations, add, mul
//===----------------------------------------------------------------------===//

/// Unary activations over n elements: F reads in, writes out (2en); B reads
/// dout and in, read-modify-writes din (4en). Flops per element:
///  gelu F: u = c*(x + 0.044715 x^3) (5), tanh (1), 1 + t (1), 0.5 x (1),
///    product (1) = 9. B: u (5), tanh (1), du/dx = c*(1 + 0.134145 x^2) (4),
///    1 - t^2 (2), 0.5(1 + t) (2), 0.5 x sech^2 du (3), sum (1), * dout (1),
///    accumulate (1) = 20.
///  relu F: max (1). B: select (1), accumulate (1) = 2.
///  silu F: sigma = 1/(1+exp(-x)) (4), x*sigma (1) = 5. B: sigma (4), 1 -
///    sigma (1), x(1 - sigma) (1), + 1 (1), sigma*(..) (1), * dout (1),
///    accumulate (1) = 10.
static OpCost activationCost(Value in, int64_t batch, double e, double fwdFlops,
                             double bwdFlops) {
  OpCost c;
  double n = bound(in, batch).elements();
  c.fwd.kernels = {vec(fwdFlops * n, 2 * e * n)};
  c.dgrad.kernels = {vec(bwdFlops * n, 4 * e * n)};
  c.savedOperands = {0};
  return c;
}

FailureOr<OpCost> GeluOp::getCost(int64_t batch, int floatBytes) {
  return activationCost(getInput(), batch, floatBytes, 9, 20);
}
FailureOr<OpCost> ReluOp::getCost(int64_t batch, int floatBytes) {
  return activationCost(getInput(), batch, floatBytes, 1, 2);
}
FailureOr<OpCost> SiluOp::getCost(int64_t batch, int floatBytes) {
  return activationCost(getInput(), batch, floatBytes, 5, 10);
}

/// add: F n flops, read a, b, write out (3en). B: da += dout, db += dout:
/// 2n flops, dout (en) + two RMWs (4en) = 5en. Saves nothing.
FailureOr<OpCost> AddOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes, n = bound(getLhs(), batch).elements();
  c.fwd.kernels = {vec(n, 3 * e * n)};
  c.dgrad.kernels = {vec(2 * n, 5 * e * n)};
  return c;
}

/// mul: F n flops, 3en. B: da += dout*b, db += dout*a: 4n flops, reads dout,
/// a, b (3en) + two RMWs (4en) = 7en. Saves a and b.
FailureOr<OpCost> MulOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes, n = bound(getLhs(), batch).elements();
  c.fwd.kernels = {vec(n, 3 * e * n)};
  c.dgrad.kernels = {vec(4 * n, 7 * e * n)};
  c.savedOperands = {0, 1};
  return c;
}

//===----------------------------------------------------------------------===//
// losses
//===----------------------------------------------------------------------===//

/// logsumexp per row.
int64_t CrossEntropyOp::getSavedFloats(int64_t batch) {
  return rows(getLogits(), batch);
}

/// cross_entropy logits [M, V], targets [M]:
///  F: per element max, sub, exp, sum (4MV); per row log, pick, mean (3M);
///     bytes logits eMV, targets 4M, logsumexp written 4M.
///  B: dlogits += dloss/M * (exp(x - lse) - onehot): sub, exp (2), onehot
///     sub (1), scale (1), accumulate (1) = 5MV; bytes logits eMV, dlogits
///     RMW 2eMV, targets 4M, lse 4M.
FailureOr<OpCost> CrossEntropyOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes;
  TensorDesc logits = bound(getLogits(), batch);
  double M = logits.rows(), V = logits.lastDim();
  c.fwd.kernels = {vec(4 * M * V + 3 * M, e * M * V + 8 * M)};
  c.dgrad.kernels = {vec(5 * M * V, 3 * e * M * V + 8 * M)};
  c.savedOperands = {0, 1};
  c.savedF32 = getSavedFloats(batch);
  return c;
}

/// mse over n elements: F sub, square, sum (3n), reads pred and target
/// (2en). B (pred only; the target is data): dpred += dloss*2(p - t)/n: sub
/// (1), scale (1), accumulate (1) = 3n; reads p, t (2en), dpred RMW (2en).
FailureOr<OpCost> MseOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes, n = bound(getPred(), batch).elements();
  c.fwd.kernels = {vec(3 * n, 2 * e * n)};
  c.dgrad.kernels = {vec(3 * n, 4 * e * n)};
  c.savedOperands = {0, 1};
  return c;
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

void AttentionOp::getParams(SmallVectorImpl<ParamSpec> &params) {
  int64_t d = lastDim(getInput());
  int64_t dkv = d / int64_t(getHeads()) * int64_t(getKvHeads());
  params.push_back({"wq", d * d, ParamInit::Normal, {d, d}});
  params.push_back({"wk", d * dkv, ParamInit::Normal, {d, dkv}});
  params.push_back({"wv", d * dkv, ParamInit::Normal, {d, dkv}});
  params.push_back({"wo", d * d, ParamInit::Normal, {d, d}});
  if (!getBias())
    return;
  params.push_back({"bq", d, ParamInit::Zeros, {d}});
  params.push_back({"bk", dkv, ParamInit::Zeros, {dkv}});
  params.push_back({"bv", dkv, ParamInit::Zeros, {dkv}});
  params.push_back({"bo", d, ParamInit::Zeros, {d}});
}

/// q, k, v after RoPE per query head and y (4 x [B, S, D]) and one
/// logsumexp per query row [B, heads, S]: the fused kernels keep no S x S
/// buffer (attention_saved_floats).
int64_t AttentionOp::getSavedFloats(int64_t batch) {
  TensorDesc x = bound(getInput(), batch);
  int64_t b = x.dims[0], s = x.dims[1], d = x.dims[2], h = getHeads();
  return 4 * b * s * d + b * h * s;
}

/// dq [B*S, D], dk and dv [B*S, Dkv] (attention_wsaved_floats).
int64_t AttentionOp::getWSavedFloats(int64_t batch) {
  TensorDesc x = bound(getInput(), batch);
  int64_t b = x.dims[0], s = x.dims[1], d = x.dims[2];
  int64_t dkv = d / int64_t(getHeads()) * int64_t(getKvHeads());
  return b * s * (d + 2 * dkv);
}

/// attention x [B, S, D], H heads of hd = D/H, Dkv = kvH*hd, M = B*S.
/// The op library materialises S x S scores and probabilities (f32) with
/// batched GEMMs and masks them, so causal attention costs the same as
/// non-causal here (a flash kernel would halve the score matmuls; ours does
/// not). Per query head, k and v are repeated from their kv head.
///  F: qkv = x @ [wq wk wv]: 2MD(D+2Dkv); rope on q, k: 3 flops/element
///     (a cos - b sin per element); scores q k^T: 2*B*H*S*S*hd = 2BS^2 D;
///     softmax (scale, max, sub, exp, sum, div: 6 per score); y = p v: 2BS^2 D;
///     out = y @ wo: 2MD^2.
///  B: dy = dout wo^T (2MD^2); dp = dy v^T, dv = p^T dy (2BS^2 D each);
///     softmax backward (mul, sum, sub, mul, scale: 5 per score); dq = ds k,
///     dk = ds^T q (2BS^2 D each); rope backward (3/element); dx += [dq dk dv]
///     [wq wk wv]^T (2MD(D+2Dkv)).
///  W: dwo += y^T dout (2MD^2), d[wq wk wv] += x^T [dq dk dv] (2MD(D+2Dkv)).
/// Saves x plus f32 q, k, v, y (4MD) and the row logsumexps (B*H*S), as
/// ops.h says.
/// With `bias` (GPT-2): F adds the q, k, v biases to the projections (M(D +
/// 2Dkv) flops, reading them and the projections once more) and fuses the o
/// bias into the last GEMM (MD flops, eD bytes); W sums columns of dq, dk,
/// dv (f32) and dout: M(D + 2Dkv) + MD flops, 4M(D + 2Dkv) + eMD bytes read
/// and the f32 bias gradients read-modify-written (8(2D + 2Dkv)).
FailureOr<OpCost> AttentionOp::getCost(int64_t batch, int floatBytes) {
  OpCost c;
  double e = floatBytes;
  TensorDesc x = bound(getInput(), batch);
  double B = x.dims[0], S = x.dims[1];
  double D = x.lastDim(), H = getHeads();
  double M = B * S, Dkv = D / H * double(getKvHeads()), qkv = D + 2 * Dkv;
  double scores = B * H * S * S; // elements of one S x S buffer per head
  bool rope = getRope();
  auto &F = c.fwd.kernels, &Bk = c.dgrad.kernels, &W = c.wgrad.kernels;
  F.push_back(matmul(2 * M * D * qkv, e * (M * D + D * qkv + M * qkv)));
  if (rope)
    F.push_back(vec(3 * M * (D + Dkv), 2 * e * M * (D + Dkv)));
  F.push_back(matmul(2 * B * S * S * D, 2 * e * M * D + 4 * scores));
  F.push_back(vec(6 * scores, 8 * scores));
  F.push_back(matmul(2 * B * S * S * D, 4 * scores + 2 * e * M * D));
  double bias = getBias() ? 1 : 0;
  if (getBias())
    F.push_back(vec(M * qkv, 8 * M * qkv + e * qkv));
  F.push_back(matmul(2 * M * D * D + bias * M * D,
                     e * (2 * M * D + D * D) + bias * e * D));

  Bk.push_back(matmul(2 * M * D * D, e * (2 * M * D + D * D)));
  Bk.push_back(matmul(2 * B * S * S * D, 2 * e * M * D + 4 * scores));
  Bk.push_back(matmul(2 * B * S * S * D, 4 * scores + 2 * e * M * D));
  Bk.push_back(vec(5 * scores, 12 * scores));
  Bk.push_back(matmul(2 * B * S * S * D, 4 * scores + 2 * e * M * D));
  Bk.push_back(matmul(2 * B * S * S * D, 4 * scores + 2 * e * M * D));
  if (rope)
    Bk.push_back(vec(3 * M * (D + Dkv), 2 * e * M * (D + Dkv)));
  Bk.push_back(matmul(2 * M * D * qkv, e * (M * qkv + D * qkv + 2 * M * D)));

  W.push_back(matmul(2 * M * D * D, 2 * e * M * D + 8 * D * D));
  W.push_back(matmul(2 * M * D * qkv, e * M * D + 4 * M * qkv + 8 * D * qkv));
  if (getBias())
    W.push_back(vec(M * (qkv + D), 4 * M * qkv + e * M * D + 8 * (qkv + D)));
  c.params = int64_t(2 * D * D + 2 * D * Dkv + bias * (qkv + D));
  c.savedOperands = {0};
  c.savedF32 = getSavedFloats(batch);
  return c;
}

//===----------------------------------------------------------------------===//
// extern calls
//===----------------------------------------------------------------------===//

/// An optional numeric attribute of the extern declaration, >= 0.
static FailureOr<std::optional<double>> flopsAttr(ExternDeclOp decl,
                                                  StringRef name) {
  Attribute attr = decl->getAttr(name);
  if (!attr)
    return std::optional<double>();
  double value = -1;
  if (auto f = dyn_cast<FloatAttr>(attr))
    value = f.getValueAsDouble();
  else if (auto i = dyn_cast<IntegerAttr>(attr))
    value = double(i.getInt());
  if (!(value >= 0))
    return decl.emitOpError()
           << "attribute '" << name
           << "' must be a non-negative number of operations per element";
  return std::optional<double>(value);
}

/// extern op with k inputs over n elements: F f flops/elem (counted in the
/// body by the front end: the declaration's `fwd_flops` / `bwd_flops`), reads
/// k inputs and writes one (k+1)en. B: g flops/elem plus k accumulates; reads
/// inputs and dout ((k+1)en), k RMWs (2ken). Saves its inputs.
/// Without the counts (front ends that do not parse the CUDA body),
/// combining k inputs takes k - 1 operations plus one for the op itself in
/// forward; the backward forms one partial per input (two operations:
/// evaluate and scale by dy).
FailureOr<OpCost> ExternCallOp::getCost(int64_t batch, int floatBytes) {
  auto decl = SymbolTable::lookupNearestSymbolFrom<ExternDeclOp>(
      *this, getCalleeAttr());
  if (!decl)
    return emitOpError() << "calls an undeclared extern op";
  int k = int(getInputs().size());
  FailureOr<std::optional<double>> fwd = flopsAttr(decl, "fwd_flops");
  FailureOr<std::optional<double>> bwd = flopsAttr(decl, "bwd_flops");
  if (failed(fwd) || failed(bwd))
    return failure();
  double fwdFlops = fwd->value_or(double(k));
  double bwdFlops = bwd->value_or(2.0 * k);
  OpCost c;
  double e = floatBytes, n = bound(getResult(), batch).elements();
  c.fwd.kernels = {vec(fwdFlops * n, (k + 1) * e * n)};
  c.dgrad.kernels = {vec((bwdFlops + k) * n, (k + 1) * e * n + 2 * k * e * n)};
  for (int i = 0; i < k; ++i)
    c.savedOperands.push_back(i);
  return c;
}
